using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Gan.Dsl.Ir;

namespace Gan.Dsl.Emit.PyTorch;

/// <summary>
/// A loss of the IR as a Python function of the step's state <c>s</c> (gandsl_step.StepState): <c>s.real</c>,
/// <c>s.latent("z")</c>, <c>s.apply("D", x)</c>, <c>s.detached("G", z)</c> (a detached application, reused under
/// <c>fakes: per_iteration</c>), the penalties, and the primitives of gandsl_step.py by their spec names. Operands are
/// written in the IR's order, which is the order GanDsl evaluates them in: its draws come in the same order.
/// </summary>
internal static class LossPy
{
    /// <summary>The loss primitives gandsl_step.py defines, under the names the compiler's table gives them.</summary>
    public static readonly ImmutableSortedSet<string> Primitives =
    [
        "bce", "bce_logits", "cross_entropy", "hinge_d", "hinge_g", "l1", "lsgan_d", "lsgan_g", "mean", "mse", "ragan_d", "ragan_g",
        "wasserstein_d", "wasserstein_g",
    ];

    /// <summary>The primitives a model's losses use, sorted (what train.py imports).</summary>
    public static IEnumerable<string> Used(ModelIr model) =>
        model.Losses.SelectMany(l => LossExpr.PreOrder(l.Expr)).OfType<PrimitiveIr>().Select(p => p.Name).Distinct().Order();

    /// <summary>
    /// <c>def NAME(s): return ...</c>; a long expression is split at the terms of its top-level sum, or of the sum it divides or
    /// multiplies (<c>(a + b) / 2</c>).
    /// </summary>
    public static string Function(ModelIr model, LossIr loss, string identifier)
    {
        var w = new Writer(model);
        var sb = new StringBuilder();
        sb.AppendLine($"def {identifier}(s):");
        var line = w.Expr(loss.Expr, 0);
        var (sum, scale) = loss.Expr is BinaryIr { Op: BinaryOp.Mul or BinaryOp.Div } b && TopLevelTerms(b.Left).Count > 1
            ? (b.Left, $" {(b.Op == BinaryOp.Mul ? "*" : "/")} {w.Expr(b.Right, 3)}")
            : (loss.Expr, "");
        var terms = TopLevelTerms(sum);
        if (line.Length <= 110) return sb.AppendLine($"    return {line}").ToString();
        if (terms.Count < 2 && loss.Expr is PrimitiveIr { Args.Length: > 1 } p)
        {
            // hinge_d(D(real), D(fake)): one argument a line.
            string indent = "\n" + new string(' ', "    return ".Length + p.Name.Length + 1);
            return sb.AppendLine($"    return {p.Name}({string.Join("," + indent, p.Args.Select(x => w.Expr(x, 0)))})").ToString();
        }
        if (terms.Count < 2) return sb.AppendLine($"    return {line}").ToString();
        sb.Append("    return (").Append(w.Expr(terms[0].Term, Precedence(BinaryOp.Add)));
        foreach (var (op, term) in terms.Skip(1))
            sb.AppendLine().Append("            ").Append(op == BinaryOp.Add ? "+ " : "- ").Append(w.Expr(term, Precedence(op) + 1));
        return sb.AppendLine($"){scale}").ToString();
    }

    /// <summary>The terms of a left-associated chain of sums and differences, each with the operator before it.</summary>
    static List<(BinaryOp Op, LossExprIr Term)> TopLevelTerms(LossExprIr e)
    {
        var terms = new List<(BinaryOp, LossExprIr)>();
        while (e is BinaryIr { Op: BinaryOp.Add or BinaryOp.Sub } b)
        {
            terms.Insert(0, (b.Op, b.Right));
            e = b.Left;
        }
        terms.Insert(0, (BinaryOp.Add, e));
        return terms;
    }

    static int Precedence(BinaryOp op) => op is BinaryOp.Add or BinaryOp.Sub ? 1 : 2;

    /// <summary>Writes expressions; <c>min</c> is the precedence an operand needs to go without parentheses.</summary>
    sealed class Writer(ModelIr model)
    {
        public string Expr(LossExprIr e, int min)
        {
            var (text, precedence) = Write(e);
            return precedence < min ? $"({text})" : text;
        }

        (string Text, int Precedence) Write(LossExprIr e) => e switch
        {
            ConstIr c => (PyOps.Num(c.Value), c.Value < 0 ? 3 : 4),
            // The right operand is bracketed at equal precedence too: a + (b + c) keeps the IR's grouping (and rounding).
            BinaryIr b => ($"{Expr(b.Left, Precedence(b.Op))} {Op(b.Op)} {Expr(b.Right, Precedence(b.Op) + 1)}", Precedence(b.Op)),
            NegIr n => ($"-{Expr(n.Operand, 3)}", 3),
            RealIr => ("s.real", 4),
            LabelsIr => ("s.labels", 4),
            LatentRefIr l => ($"s.latent({Str(l.Name)})", 4),
            LossRefIr r => ($"s.loss({Str(r.Name)})", 4),
            ApplyIr a => (Apply("s.apply", a), 4),
            DetachIr { Operand: ApplyIr a } => (Apply("s.detached", a), 4),
            DetachIr d => ($"s.detach({Expr(d.Operand, 0)})", 4),
            AugmentIr g => ($"s.augment({Expr(g.Operand, 0)}, {string.Join(", ", g.Policies.Select(Policy))})", 4),
            PrimitiveIr p when Primitives.Contains(p.Name) => ($"{p.Name}({string.Join(", ", p.Args.Select(x => Expr(x, 0)))})", 4),
            GradientPenaltyIr gp => ($"s.gradient_penalty({Str(gp.Network)}, {Expr(gp.Real, 0)}, {Expr(gp.Fake, 0)}, "
                                     + $"target={PyOps.Num(gp.Target)}, weight={PyOps.Num(gp.Weight)}{Output(gp.Network, gp.Output)})", 4),
            R1Ir r1 => ($"s.r1({Str(r1.Network)}, {Expr(r1.Real, 0)}, gamma={PyOps.Num(r1.Gamma)}{Output(r1.Network, r1.Output)})", 4),
            _ => throw new NotSupportedException($"{Describe(e)} has no PyTorch form in train.py"),
        };

        static string Describe(LossExprIr e) => e is PrimitiveIr p ? $"the loss primitive {p.Name}" : e.GetType().Name;

        static string Op(BinaryOp op) => op switch { BinaryOp.Add => "+", BinaryOp.Sub => "-", BinaryOp.Mul => "*", _ => "/" };

        string Apply(string method, ApplyIr a)
        {
            var sb = new StringBuilder($"{method}({Str(a.Network)}");
            foreach (var arg in a.Args) sb.Append(", ").Append(Expr(arg, 0));
            sb.Append(Output(a.Network, a.Output));
            if (a.Log != LogColumn.None) sb.Append(a.Log == LogColumn.DReal ? ", log=\"d_real\"" : ", log=\"d_fake\"");
            if (a.Log != LogColumn.None && a.EndsInSigmoid) sb.Append(", sigmoid=True");
            return sb.Append(')').ToString();
        }

        /// <summary><c>, output="cat"</c> for a head other than the network's default one.</summary>
        string Output(string network, string output) =>
            output == model.Network(network).DefaultOutput ? "" : $", output={Str(output)}";

        static string Policy(AugmentPolicyIr p) => p.Kind is AugmentKind.Color or AugmentKind.Flip
            ? $"(\"{p.Name}\",)"
            : $"(\"{p.Name}\", {PyOps.Num(p.Ratio)})";
    }

    /// <summary>A Python string literal.</summary>
    public static string Str(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var ch in s)
            sb.Append(ch switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                _ when ch < ' ' => $"\\x{(int)ch:x2}",
                _ => ch.ToString(CultureInfo.InvariantCulture),
            });
        return sb.Append('"').ToString();
    }
}
