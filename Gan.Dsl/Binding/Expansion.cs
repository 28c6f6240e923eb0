using Gan.Dsl.Syntax;

namespace Gan.Dsl.Binding;

/// <summary>
/// The one size limit of the language: all networks of a spec together expand to at most <see cref="MaxStatements"/>
/// statements, blocks expanded (each layer, block call, let, from, output, init, if and residual counts one). Nesting is capped
/// (<see cref="Nesting.MaxDepth"/>), but a block calling another twice, 30 blocks deep, expands to 2^30 layers from a
/// few lines of text; this budget stops it at the call that passes it (GAN0107), before time or memory run out.
/// </summary>
internal sealed class Expansion(IReadOnlyDictionary<string, BlockSyntax> blocks)
{
    public const int MaxStatements = 1_000_000;

    /// <summary>What counts towards the limit, for the message.</summary>
    public const string Counted = "blocks expanded; each layer, block call, let, from, output, init, if and residual counts one";

    long used;
    readonly Dictionary<BlockSyntax, long?> sizes = [];

    /// <summary>Whether the limit was passed (reported once): nothing more is bound.</summary>
    public bool Exhausted { get; private set; }

    /// <summary>Counts <paramref name="statements"/> more; false, and exhausted from now on, when they pass the limit.</summary>
    public bool Take(long statements)
    {
        if (Exhausted) return false;
        if (used + statements <= MaxStatements) { used += statements; return true; }
        Exhausted = true;
        return false;
    }

    /// <summary>
    /// Whether a call's expansion is already known to pass the limit: the body of a block without <c>if</c>s (in it or in
    /// the blocks it calls) has a size known before binding, so a 2^30-fold fan-out stops at once, not after a million
    /// statements bound. Blocks with <c>if</c>s are counted as they are bound.
    /// </summary>
    public bool WouldPass(BlockSyntax block) => Size(block, 0) is long n && used + n > MaxStatements;

    /// <summary>Statements that expanding <paramref name="block"/>'s body binds, when known (saturating); null when not.</summary>
    long? Size(BlockSyntax block, int level)
    {
        if (sizes.TryGetValue(block, out var known)) return known;
        if (level > Nesting.MaxDepth) return null;      // binding reports GAN0106 there
        sizes[block] = null;                            // a recursive call (reported by binding) has no known size
        return sizes[block] = Size(block.Body, level);
    }

    /// <summary>Statements that binding <paramref name="body"/> binds, when known (residual branches included).</summary>
    long? Size(IReadOnlyList<StatementSyntax> body, int level)
    {
        long sum = 0;
        foreach (var st in body)
        {
            if (st is IfSyntax) return null;
            sum++;
            long? inner = st switch
            {
                LayerSyntax l when blocks.TryGetValue(l.Call.Name.Text, out var callee) => Size(callee, level + 1),
                ResidualSyntax r => level > Nesting.MaxDepth ? null
                    : Size(r.Main, level + 1) is long m && Size(r.Shortcut ?? [], level + 1) is long s ? m + s : null,
                _ => 0,
            };
            if (inner is null) return null;
            sum = Math.Min(sum + inner.Value, long.MaxValue / 4);
        }
        return sum;
    }
}
