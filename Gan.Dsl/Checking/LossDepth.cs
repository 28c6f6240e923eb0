using Gan.Dsl.Binding;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.Checking;

/// <summary>
/// How deep each loss is through the losses it refers to. The parser caps one expression, but a loss that refers to a
/// loss that refers to a loss nests across items, and the walks that follow references (<see cref="LossChecks"/>, the
/// runtime's step evaluation) recurse once per level of the whole. Past the limit, GAN0106 at the loss's name, once per
/// loss, and the loss checks do not run. Never recursive over references itself: losses are visited in an explicit
/// post-order, referenced losses first.
/// </summary>
internal static class LossDepth
{
    /// <summary>Levels of a loss counted through its references: four times the syntax limit, so one loss alone always fits.</summary>
    public const int MaxLevels = 4 * Nesting.MaxDepth;

    /// <summary>
    /// Reports each loss deeper than <see cref="MaxLevels"/> whose references are not (the losses above it in a chain are
    /// deeper only through it: quiet); true when none is.
    /// </summary>
    public static bool Check(SourceText source, DiagnosticBag d, IReadOnlyList<BoundLoss> losses)
    {
        var byName = new Dictionary<string, BoundLoss>();
        foreach (var l in losses) byName.TryAdd(l.Name, l);
        var order = new List<string>();
        var state = new Dictionary<string, bool>();
        foreach (var l in losses)
            if (!state.ContainsKey(l.Name)) PostOrder(l.Name, byName, state, order);
        var height = new Dictionary<string, int>();
        var tooDeep = new HashSet<string>();
        foreach (var name in order)
        {
            var loss = byName[name];
            height[name] = Height(loss.Expr, height);
            if (height[name] <= MaxLevels) continue;
            if (!References(loss).Any(tooDeep.Contains))
                d.ReportTooDeep(source, loss.Syntax.Name.Span, $"loss '{name}', counted through the losses it refers to,", MaxLevels,
                                "each operator, sign, call and loss reference counts one",
                                "refer to fewer losses in a chain, or write a part of it out");
            tooDeep.Add(name);
        }
        return tooDeep.Count == 0;
    }

    /// <summary>
    /// Appends to <paramref name="order"/> the losses reachable from <paramref name="root"/> by references and not yet in
    /// <paramref name="state"/> (false: open, true: done), each after those it refers to; a reference back into a cycle is
    /// skipped (LossChecks reports cycles). An explicit stack: a chain of 100,000 losses is 100,000 levels.
    /// </summary>
    static void PostOrder(string root, IReadOnlyDictionary<string, BoundLoss> byName, Dictionary<string, bool> state, List<string> order)
    {
        var stack = new Stack<(string Name, IEnumerator<string> Refs)>();
        void Open(string name)
        {
            state[name] = false;
            stack.Push((name, References(byName[name]).GetEnumerator()));
        }
        Open(root);
        while (stack.Count > 0)
        {
            var (name, refs) = stack.Peek();
            if (refs.MoveNext())
            {
                if (byName.ContainsKey(refs.Current) && !state.ContainsKey(refs.Current)) Open(refs.Current);
                continue;
            }
            stack.Pop();
            state[name] = true;
            order.Add(name);
        }
    }

    static IEnumerable<string> References(BoundLoss loss) => loss.Expr.PreOrder().OfType<BoundLossRef>().Select(r => r.Name);

    /// <summary>The height of one expression (bounded by the parser), a reference counting as the referenced loss's height.</summary>
    static int Height(BoundExpr e, IReadOnlyDictionary<string, int> known) => e switch
    {
        BoundLossRef r => 1 + known.GetValueOrDefault(r.Name),
        _ => 1 + e.Children.Select(c => Height(c, known)).DefaultIfEmpty(0).Max(),
    };
}
