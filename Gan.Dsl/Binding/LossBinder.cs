using System.Collections.Immutable;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Dsl.Losses;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.Binding;

/// <summary>
/// Binds loss expressions: resolves every name (data, labels, latent parts, losses, params, networks, loss
/// functions), checks the form of calls (arity, keywords of the penalties) and evaluates constant arguments. The
/// checker then types the bound expressions against the networks' shapes. A subexpression that does not bind makes
/// its loss unbound (null), reported once.
/// </summary>
internal sealed class LossBinder(SourceText source, DiagnosticBag diagnostics, LossBinder.Symbols symbols)
{
    /// <summary>What names in losses may mean. <see cref="Failed"/>: defined names whose definition had errors (quiet).</summary>
    internal sealed record Symbols(IReadOnlySet<string> Networks, IReadOnlyDictionary<string, LatentIr> Latents,
                                 IReadOnlyDictionary<string, Value> Params, IReadOnlySet<string> Losses, DataIr? Data,
                                 IReadOnlySet<string> Failed);

    readonly Evaluator evaluator = new(source, diagnostics);

    public BoundExpr BindLoss(ExpressionSyntax e) => Bind(e);

    /// <summary>
    /// The bound expression; a part that does not bind is a <see cref="BoundError"/> (reported, or quiet for a failed name).
    /// </summary>
    BoundExpr Bind(ExpressionSyntax e) => BindOrNull(e) ?? new BoundError(e);

    BoundExpr? BindOrNull(ExpressionSyntax e)
    {
        switch (e)
        {
            case NumberSyntax n: return new BoundNumber(n, n.Value);
            case ParenthesizedSyntax p: return Bind(p.Inner);
            case NameSyntax n: return BindName(n);
            case UnarySyntax u: return new BoundUnary(u, Bind(u.Operand));
            case BinarySyntax b:
            {
                var op = b.Operator.Kind switch
                {
                    TokenKind.Plus => BinaryOp.Add,
                    TokenKind.Minus => BinaryOp.Sub,
                    TokenKind.Star => BinaryOp.Mul,
                    _ => BinaryOp.Div
                };
                return new BoundBinary(b, op, Bind(b.Left), Bind(b.Right));
            }
            case CallSyntax c: return BindCall(c);
            case MemberSyntax m: return BindMember(m);
            case StringSyntax s:
                diagnostics.ReportLossKind(source, s.Span, "a string cannot be part of a loss");
                return null;
            default:
                diagnostics.ReportLossKind(source, e.Span, "a list cannot be part of a loss");
                return null;
        }
    }

    BoundExpr? BindName(NameSyntax n)
    {
        var name = n.Name.Text;
        var data = symbols.Data;
        if (name == "real") return data is null ? null : new BoundReal(n, data.Shape);
        if (name == "labels")
        {
            if (data is null) return null;
            if (data.Classes == 0) { diagnostics.ReportLossKind(source, n.Span, "this dataset has no labels"); return null; }
            return new BoundLabels(n, data.Classes);
        }
        if (symbols.Latents.TryGetValue(name, out var lat)) return new BoundLatentRef(n, lat);
        if (symbols.Losses.Contains(name)) return new BoundLossRef(n, name);
        if (symbols.Params.TryGetValue(name, out var pv))
        {
            if (pv is NumberValue num) return new BoundNumber(n, num.Number);
            if (pv is ErrorValue) return null;      // its definition had an error: already reported
            diagnostics.ReportWrongType(source, n.Span, $"param '{name}' in a loss", "a number", pv.TypeName);
            return null;
        }
        if (symbols.Networks.Contains(name)) return new BoundNetworkRef(n, name);
        if (symbols.Failed.Contains(name)) return null;       // defined, but it had errors: already reported
        diagnostics.ReportUnknownName(source, n.Span, "name", name,
            symbols.Latents.Keys.Concat(symbols.Losses).Concat(symbols.Params.Keys).Concat(symbols.Networks).Concat(["real", "labels"]));
        return null;
    }

    BoundExpr? BindMember(MemberSyntax m)
    {
        if (m.Target is CallSyntax fc && !symbols.Networks.Contains(fc.Name.Text))
        {
            if (symbols.Failed.Contains(fc.Name.Text)) return null;      // a name that had errors: already reported
            if (!LossPrimitives.FunctionNames.Contains(fc.Name.Text))
            {
                diagnostics.ReportUnknownName(source, fc.Name.Span, "network", fc.Name.Text, symbols.Networks);
                return null;
            }
        }
        if (m.Target is not CallSyntax c || !symbols.Networks.Contains(c.Name.Text))
        {
            diagnostics.ReportLossKind(source, m.Span,
                                       $"'.{m.Member.Text}' selects an output of a network application, e.g. D(x).{m.Member.Text}");
            return null;
        }
        return BindApply(m, c, m.Member);
    }

    /// <summary>The arguments, bound in order up to the first that does not bind (Complete false then).</summary>
    /// <remarks>The argument that did not bind is included last, so the checker still checks what bound inside it.</remarks>
    (ImmutableArray<BoundExpr> Args, bool Complete) Arguments(IEnumerable<ArgumentSyntax> args)
    {
        var bound = ImmutableArray.CreateBuilder<BoundExpr>();
        foreach (var a in args)
        {
            var b = Bind(a.Value);
            bound.Add(b);
            if (b.HasErrors) return (bound.ToImmutable(), false);
        }
        return (bound.ToImmutable(), true);
    }

    BoundExpr BindApply(ExpressionSyntax syntax, CallSyntax c, Token? output)
    {
        var (args, complete) = Arguments(c.Arguments);
        return new BoundApply(syntax, c, c.Name.Text, args, output, complete);
    }

    BoundExpr? BindCall(CallSyntax c)
    {
        var name = c.Name.Text;
        if (symbols.Networks.Contains(name)) return BindApply(c, c, null);
        if (name == "detach")
        {
            if (c.Arguments.Count != 1 || c.Arguments[0].Keyword is not null)
            {
                diagnostics.ReportArity(source, c.Span, "detach", "takes one value");
                return null;
            }
            return new BoundDetach(c, Bind(c.Arguments[0].Value));
        }
        if (name is "gradient_penalty" or "r1") return BindPenalty(c);
        if (name == "augment") return BindAugment(c);
        if (symbols.Failed.Contains(name)) return null;       // a name that had errors: already reported
        if (!LossPrimitives.ByName.TryGetValue(name, out var primitive))
        {
            diagnostics.ReportUnknownName(source, c.Name.Span, "loss function or network", name,
                                          LossPrimitives.FunctionNames.Concat(symbols.Networks));
            return null;
        }
        if (c.Arguments.Count != primitive.Arity || c.Arguments.Any(a => a.Keyword is not null))
        {
            diagnostics.ReportArity(source, c.Span, name, $"takes {primitive.Arity} positional argument(s), got {c.Arguments.Count}");
            return null;
        }
        var (args, complete) = Arguments(c.Arguments);
        return new BoundPrimitive(c, primitive, args, complete);
    }

    /// <summary><c>augment(x, color, translation(ratio: 0.25), ...)</c>: the operand, then at least one policy.</summary>
    BoundExpr? BindAugment(CallSyntax c)
    {
        if (c.Arguments.Count < 2 || c.Arguments[0].Keyword is not null)
        {
            diagnostics.ReportArity(source, c.Span, "augment",
                                    "takes the images first, then one or more policies, e.g. augment(real, color, translation, cutout)");
            return null;
        }
        var values = new List<Value>();
        foreach (var a in c.Arguments.Skip(1))
        {
            if (a.Keyword is not null)
            {
                diagnostics.ReportArity(source, a.Span, "augment",
                                        $"'{a.Keyword.Text}:' is no argument of augment; policies are written as names, "
                                        + "e.g. augment(real, color, translation(ratio: 0.25))");
                return null;
            }
            if (evaluator.Evaluate(a.Value, symbols.Params) is not { } v) return null;
            values.Add(v);
        }
        var policies = AugmentPolicies.Read(values, "augment: a policy", source, diagnostics);
        return policies is { } ps ? new BoundAugment(c, Bind(c.Arguments[0].Value), ps) : null;
    }

    BoundExpr? BindPenalty(CallSyntax c)
    {
        var name = c.Name.Text;
        bool r1 = name == "r1";
        string[] keys = r1 ? ["real", "gamma", "output"] : ["real", "fake", "target", "weight", "output"];
        if (c.Arguments is [{ Keyword: null, Value: NameSyntax failedName }, ..] && symbols.Failed.Contains(failedName.Name.Text))
            return null;   // already reported
        if (c.Arguments.Count == 0 || c.Arguments[0].Keyword is not null || c.Arguments[0].Value is not NameSyntax netName
            || !symbols.Networks.Contains(netName.Name.Text))
        {
            diagnostics.ReportArity(source, c.Span, name,
                                    $"needs the critic network first, e.g. {name}(D, real: real"
                                    + $"{(r1 ? ", gamma: 10" : ", fake: detach(G(z)), weight: 10")})");
            return null;
        }
        var given = new Dictionary<string, ExpressionSyntax>();
        foreach (var a in c.Arguments.Skip(1))
        {
            var key = a.Keyword?.Text;
            if (key is null || !keys.Contains(key))
            {
                diagnostics.ReportUnknownKeyword(source, a.Span, name, key ?? "(positional)", keys);
                return null;
            }
            if (!given.TryAdd(key, a.Value)) { diagnostics.ReportArgumentTwice(source, a.Span, name, key); return null; }
        }
        BoundExpr Tensor(string key)
        {
            if (given.TryGetValue(key, out var ex)) return Bind(ex);
            diagnostics.ReportArity(source, c.Span, name, $"missing argument '{key}'");
            return new BoundError(c);
        }
        double Number(string key, double def)
        {
            if (!given.TryGetValue(key, out var ex)) return def;
            var v = evaluator.Evaluate(ex, symbols.Params);
            if (v is NumberValue n) return n.Number;
            if (v is not null) diagnostics.ReportWrongType(source, ex.Span, $"{name}: '{key}'", "a number", v.TypeName);
            return double.NaN;
        }
        var (net, output) = (netName.Name.Text, given.GetValueOrDefault("output"));
        var real = Tensor("real");
        if (real.HasErrors) return new BoundPenalty(c, net, r1, output, real, null, 0, 0, 0, Complete: false);
        if (r1)
        {
            double gamma = Number("gamma", 10);
            return new BoundPenalty(c, net, r1, output, real, null, 0, 0, gamma, Complete: !double.IsNaN(gamma));
        }
        var fake = Tensor("fake");
        if (fake.HasErrors) return new BoundPenalty(c, net, r1, output, real, fake, 0, 0, 0, Complete: false);
        double target = Number("target", 1), weight = Number("weight", 10);
        return new BoundPenalty(c, net, r1, output, real, fake, target, weight, 0,
                                Complete: !double.IsNaN(target) && !double.IsNaN(weight));
    }
}
