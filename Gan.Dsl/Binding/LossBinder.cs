using System.Collections.Immutable;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Dsl.Shapes;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.Binding;

/// <summary>What a loss subexpression is: a scalar loss value, a tensor of a shape, class labels, or a network name.</summary>
public abstract record LossType;
public sealed record ScalarType : LossType;
public sealed record TensorType(int[] Shape) : LossType;
public sealed record LabelType(int Classes) : LossType;
public sealed record NetworkType(string Name) : LossType;

/// <summary>
/// Binds loss expressions to IR, checking names, arities and the shapes of heads against the losses
/// they feed. Records every network application and its span for the loss checks.
/// </summary>
public sealed class LossBinder
{
    public static readonly IReadOnlyDictionary<string, PrimitiveKind> Primitives = new Dictionary<string, PrimitiveKind>
    {
        ["bce_logits"] = PrimitiveKind.BceLogits, ["bce"] = PrimitiveKind.Bce, ["cross_entropy"] = PrimitiveKind.CrossEntropy,
        ["mse"] = PrimitiveKind.Mse, ["l1"] = PrimitiveKind.L1, ["mean"] = PrimitiveKind.Mean,
        ["wasserstein_d"] = PrimitiveKind.WassersteinD, ["wasserstein_g"] = PrimitiveKind.WassersteinG,
        ["hinge_d"] = PrimitiveKind.HingeD, ["hinge_g"] = PrimitiveKind.HingeG,
        ["lsgan_d"] = PrimitiveKind.LeastSquaresD, ["lsgan_g"] = PrimitiveKind.LeastSquaresG,
        ["ragan_d"] = PrimitiveKind.RelativisticD, ["ragan_g"] = PrimitiveKind.RelativisticG,
    };

    /// <summary>All loss function names, including the penalties and detach (for docs and suggestions).</summary>
    public static IEnumerable<string> FunctionNames => Primitives.Keys.Concat(["gradient_penalty", "r1", "detach"]);

    readonly SourceText source;
    readonly DiagnosticBag diagnostics;
    readonly IReadOnlyDictionary<string, NetworkIr> networks;
    readonly IReadOnlyDictionary<string, LatentIr> latents;
    readonly IReadOnlyDictionary<string, Value> parameters;
    readonly ISet<string> lossNames;
    readonly DataIr? data;
    readonly ISet<string> failed;

    /// <summary>Spans of IR nodes (by reference), for diagnostics of the loss checks.</summary>
    public Dictionary<LossExprIr, TextSpan> Spans { get; } = new(ReferenceEqualityComparer.Instance);

    public LossBinder(SourceText source, DiagnosticBag diagnostics, IReadOnlyDictionary<string, NetworkIr> networks,
                      IReadOnlyDictionary<string, LatentIr> latents, IReadOnlyDictionary<string, Value> parameters,
                      ISet<string> lossNames, DataIr? data, ISet<string> failed)
    {
        this.failed = failed;
        this.source = source; this.diagnostics = diagnostics; this.networks = networks; this.latents = latents;
        this.parameters = parameters; this.lossNames = lossNames; this.data = data;
    }

    public LossExprIr? BindLoss(ExpressionSyntax e)
    {
        var r = Bind(e);
        if (r is null) return null;
        if (r.Value.Type is not ScalarType)
        {
            diagnostics.ReportLossKind(source, e.Span, $"a loss must be a scalar, but this is {Describe(r.Value.Type)}; reduce it with a loss function such as mean(...) or bce_logits(...)");
            return null;
        }
        return r.Value.Ir;
    }

    static string Describe(LossType t) => t switch
    {
        TensorType tt => $"a tensor {Shape.Show(tt.Shape)}",
        LabelType => "class labels",
        NetworkType n => $"the network {n.Name} (apply it: {n.Name}(...))",
        _ => "a scalar",
    };

    (LossExprIr Ir, LossType Type)? Keep(LossExprIr ir, LossType t, TextSpan span) { Spans[ir] = span; return (ir, t); }

    (LossExprIr Ir, LossType Type)? Bind(ExpressionSyntax e)
    {
        switch (e)
        {
            case NumberSyntax n: return Keep(new ConstIr(n.Value), new ScalarType(), n.Span);
            case ParenthesizedSyntax p: return Bind(p.Inner);
            case NameSyntax n: return BindName(n);
            case UnarySyntax u:
            {
                var o = Scalar(u.Operand, $"the operand of '{u.Operator.Text}'");
                if (o is null) return null;
                return Keep(u.Operator.Kind == TokenKind.Minus ? new NegIr(o) : o, new ScalarType(), u.Span);
            }
            case BinarySyntax b:
            {
                var l = Scalar(b.Left, $"the left side of '{b.Operator.Text}'");
                var r = Scalar(b.Right, $"the right side of '{b.Operator.Text}'");
                if (l is null || r is null) return null;
                var op = b.Operator.Kind switch { TokenKind.Plus => BinaryOp.Add, TokenKind.Minus => BinaryOp.Sub, TokenKind.Star => BinaryOp.Mul, _ => BinaryOp.Div };
                return Keep(new BinaryIr(op, l, r), new ScalarType(), b.Span);
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

    LossExprIr? Scalar(ExpressionSyntax e, string what)
    {
        var r = Bind(e);
        if (r is null) return null;
        if (r.Value.Type is ScalarType) return r.Value.Ir;
        diagnostics.ReportLossKind(source, e.Span, $"{what} must be a scalar loss value, but it is {Describe(r.Value.Type)}; reduce it with mean(...) or a loss function");
        return null;
    }

    (LossExprIr, LossType)? BindName(NameSyntax n)
    {
        var name = n.Name.Text;
        if (name == "real")
        {
            if (data is null) return null;
            return Keep(new RealIr(), new TensorType([.. data.Shape]), n.Span);
        }
        if (name == "labels")
        {
            if (data is null) return null;
            if (data.Classes == 0) { diagnostics.ReportLossKind(source, n.Span, "this dataset has no labels"); return null; }
            return Keep(new LabelsIr(), new LabelType(data.Classes), n.Span);
        }
        if (latents.TryGetValue(name, out var lat))
            return Keep(new LatentRefIr(name), lat.Kind == LatentKind.Label ? new LabelType(lat.Classes) : new TensorType([lat.Dim]), n.Span);
        if (lossNames.Contains(name)) return Keep(new LossRefIr(name), new ScalarType(), n.Span);
        if (parameters.TryGetValue(name, out var pv))
        {
            if (pv is NumberValue num) return Keep(new ConstIr(num.Number), new ScalarType(), n.Span);
            if (pv is ErrorValue) return null;      // its definition had an error: already reported
            diagnostics.ReportWrongType(source, n.Span, $"param '{name}' in a loss", "a number", pv.TypeName);
            return null;
        }
        if (networks.ContainsKey(name)) return Keep(new ConstIr(0), new NetworkType(name), n.Span);
        if (failed.Contains(name)) return null;       // defined, but it had errors: already reported
        diagnostics.ReportUnknownName(source, n.Span, "name", name,
            latents.Keys.Concat(lossNames).Concat(parameters.Keys).Concat(networks.Keys).Concat(["real", "labels"]));
        return null;
    }

    (LossExprIr, LossType)? BindMember(MemberSyntax m)
    {
        if (m.Target is CallSyntax fc && !networks.ContainsKey(fc.Name.Text))
        {
            if (failed.Contains(fc.Name.Text)) return null;      // a network that had errors: already reported
            if (!FunctionNames.Contains(fc.Name.Text))
            {
                diagnostics.ReportUnknownName(source, fc.Name.Span, "network", fc.Name.Text, networks.Keys);
                return null;
            }
        }
        if (m.Target is not CallSyntax c || !networks.TryGetValue(c.Name.Text, out var net))
        {
            diagnostics.ReportLossKind(source, m.Span, $"'.{m.Member.Text}' selects an output of a network application, e.g. D(x).{m.Member.Text}");
            return null;
        }
        if (!net.Outputs.ContainsKey(m.Member.Text))
        {
            diagnostics.ReportUnknownName(source, m.Member.Span, $"output of {net.Name}", m.Member.Text, net.Outputs.Keys);
            return null;
        }
        return BindApply(c, net, m.Member.Text, m.Span);
    }

    (LossExprIr, LossType)? BindApply(CallSyntax c, NetworkIr net, string? output, TextSpan span)
    {
        if (output is null)
        {
            if (net.Outputs.Count > 1)
            {
                diagnostics.ReportOutputChoice(source, c.Span, net.Name, $"has outputs {string.Join(", ", net.Outputs.Keys)}; choose one, e.g. {net.Name}(...).{net.Outputs.Keys.First()}");
                return null;
            }
            output = net.DefaultOutput;
        }
        var args = new List<(LossExprIr Ir, LossType Type, TextSpan Span)>();
        foreach (var a in c.Arguments)
        {
            if (a.Keyword is not null) { diagnostics.ReportUnknownKeyword(source, a.Span, net.Name, a.Keyword.Text, net.Inputs.Select(i => i.Name)); return null; }
            var r = Bind(a.Value);
            if (r is null) return null;
            if (r.Value.Type is ScalarType or NetworkType)
            {
                diagnostics.ReportLossKind(source, a.Value.Span, $"{net.Name} must be applied to tensors (data, latent parts or network outputs), not {Describe(r.Value.Type)}");
                return null;
            }
            args.Add((r.Value.Ir, r.Value.Type, a.Value.Span));
        }
        if (args.Count == 0) { diagnostics.ReportArity(source, c.Span, net.Name, $"needs {net.Inputs.Length} input(s): {string.Join(", ", net.Inputs.Select(i => i.Name))}"); return null; }
        if (net.Inputs.Length == 1 && args.Count > 1)
        {
            // Several parts for one input are concatenated (z = one-hot ++ code ++ noise).
            var input = net.Inputs[0];
            if (args.Any(a => a.Type is not TensorType { Shape.Length: 1 }) || input.Shape.Length != 1)
            {
                diagnostics.ReportApplyShape(source, c.Span, net.Name, input.Name, Shape.Dims(input.Shape), "(several parts; only flat vectors can be concatenated)");
                return null;
            }
            int width = args.Sum(a => ((TensorType)a.Type).Shape[0]);
            if (width != input.Shape[0])
            {
                diagnostics.ReportApplyShape(source, c.Span, net.Name, input.Name, Shape.Dims(input.Shape), $"{width} ({string.Join(" + ", args.Select(a => ((TensorType)a.Type).Shape[0]))} concatenated)");
                return null;
            }
        }
        else if (args.Count != net.Inputs.Length)
        {
            diagnostics.ReportArity(source, c.Span, net.Name, $"takes {net.Inputs.Length} input(s) ({string.Join(", ", net.Inputs.Select(i => i.Name))}), got {args.Count}");
            return null;
        }
        else
        {
            for (int k = 0; k < args.Count; k++)
            {
                var input = net.Inputs[k];
                var (ir, type, aspan) = args[k];
                if (input.Kind == InputKind.Label)
                {
                    if (type is not LabelType lt) { diagnostics.ReportApplyShape(source, aspan, net.Name, input.Name, $"label({input.Classes})", Describe(type)); return null; }
                    if (lt.Classes != input.Classes) { diagnostics.ReportApplyShape(source, aspan, net.Name, input.Name, $"label({input.Classes})", $"label({lt.Classes})"); return null; }
                }
                else if (type is not TensorType tt || !Shape.Same(tt.Shape, input.Shape))
                {
                    diagnostics.ReportApplyShape(source, aspan, net.Name, input.Name, Shape.Dims(input.Shape), type is TensorType t2 ? Shape.Dims(t2.Shape) : Describe(type));
                    return null;
                }
            }
        }
        var node = net.Nodes[net.Outputs[output]];
        return Keep(new ApplyIr(net.Name, [.. args.Select(a => a.Ir)], output), new TensorType([.. node.Shape]), span);
    }

    (LossExprIr, LossType)? BindCall(CallSyntax c)
    {
        var name = c.Name.Text;
        if (networks.TryGetValue(name, out var net)) return BindApply(c, net, null, c.Span);
        if (name == "detach")
        {
            if (c.Arguments.Count != 1 || c.Arguments[0].Keyword is not null) { diagnostics.ReportArity(source, c.Span, "detach", "takes one value"); return null; }
            var inner = Bind(c.Arguments[0].Value);
            if (inner is null) return null;
            return Keep(new DetachIr(inner.Value.Ir), inner.Value.Type, c.Span);
        }
        if (name is "gradient_penalty" or "r1") return BindPenalty(c);
        if (failed.Contains(name)) return null;       // a network that had errors: already reported
        if (!Primitives.TryGetValue(name, out var kind))
        {
            diagnostics.ReportUnknownName(source, c.Name.Span, "loss function or network", name, FunctionNames.Concat(networks.Keys));
            return null;
        }
        int arity = kind switch { PrimitiveKind.Mean or PrimitiveKind.WassersteinG or PrimitiveKind.HingeG or PrimitiveKind.LeastSquaresG => 1, _ => 2 };
        if (c.Arguments.Count != arity || c.Arguments.Any(a => a.Keyword is not null))
        {
            diagnostics.ReportArity(source, c.Span, name, $"takes {arity} positional argument(s), got {c.Arguments.Count}");
            return null;
        }
        var args = new List<(LossExprIr Ir, LossType Type)>();
        foreach (var a in c.Arguments)
        {
            var r = Bind(a.Value);
            if (r is null) return null;
            args.Add(r.Value);
        }
        if (!CheckPrimitive(c, name, kind, args)) return null;
        return Keep(new PrimitiveIr(kind, [.. args.Select(a => a.Ir)]), new ScalarType(), c.Span);
    }

    /// <summary>The value of a constant subexpression (numbers, params, − and arithmetic), or null.</summary>
    static double? Constant(LossExprIr e) => e switch
    {
        ConstIr c => c.Value,
        NegIr n => -Constant(n.Operand),
        BinaryIr { Op: var op, Left: var l, Right: var r } when Constant(l) is double a && Constant(r) is double b =>
            op switch { BinaryOp.Add => a + b, BinaryOp.Sub => a - b, BinaryOp.Mul => a * b, _ => b == 0 ? null : a / b },
        _ => null,
    };

    bool CheckPrimitive(CallSyntax c, string name, PrimitiveKind kind, List<(LossExprIr Ir, LossType Type)> args)
    {
        string ArgDesc(int i) => source[c.Arguments[i].Value.Span];
        bool OnePerSample(int i)
        {
            if (args[i].Type is TensorType t && Shape.Count(t.Shape) == 1) return true;
            var what = args[i].Type is TensorType tt ? $"N×{Shape.Dims(tt.Shape)}" : args[i].Type is ScalarType ? "a scalar" : "labels";
            diagnostics.ReportHeadMismatch(source, c.Arguments[i].Value.Span, name, $"expects one value per sample (N×1), but `{ArgDesc(i)}` is {what}");
            return false;
        }
        switch (kind)
        {
            case PrimitiveKind.BceLogits:
            case PrimitiveKind.Bce:
                if (!OnePerSample(0)) return false;
                if (args[1].Type is not (ScalarType or TensorType)) { diagnostics.ReportHeadMismatch(source, c.Arguments[1].Value.Span, name, "the target must be a number (1 real, 0 fake) or a tensor"); return false; }
                if (args[1].Type is TensorType target && !Shape.Same(target.Shape, ((TensorType)args[0].Type).Shape))
                {
                    diagnostics.ReportHeadMismatch(source, c.Arguments[1].Value.Span, name, $"the target `{ArgDesc(1)}` is {Shape.Show(target.Shape)}, but `{ArgDesc(0)}` is {Shape.Show(((TensorType)args[0].Type).Shape)}; targets are one probability per sample");
                    return false;
                }
                if (Constant(args[1].Ir) is double k and (< 0 or > 1))
                {
                    diagnostics.ReportHeadMismatch(source, c.Arguments[1].Value.Span, name, $"the target {k} is not a probability; use 1 for real, 0 for fake (or e.g. 0.9 for label smoothing)");
                    return false;
                }
                return true;
            case PrimitiveKind.CrossEntropy:
            {
                if (args[0].Type is not TensorType { Shape.Length: 1 } t || t.Shape[0] < 2)
                {
                    diagnostics.ReportHeadMismatch(source, c.Arguments[0].Value.Span, name, $"expects class logits N×K with K ≥ 2, but `{ArgDesc(0)}` is {(args[0].Type is TensorType tt ? Shape.Show(tt.Shape) : "not a tensor")}");
                    return false;
                }
                var labelType = args[1].Type;
                if (args[1].Ir is LatentRefIr { Name: var ln } && latents.TryGetValue(ln, out var lat) && lat.Kind == LatentKind.OneHot)
                    labelType = new LabelType(lat.Classes);     // a one-hot code stands for its class index
                if (labelType is not LabelType lt)
                {
                    diagnostics.ReportHeadMismatch(source, c.Arguments[1].Value.Span, name, $"expects class indices (labels or a label/one-hot latent's class), but `{ArgDesc(1)}` is not");
                    return false;
                }
                if (lt.Classes != t.Shape[0])
                {
                    diagnostics.ReportHeadMismatch(source, c.Arguments[0].Value.Span, name, $"`{ArgDesc(0)}` has {t.Shape[0]} logits, but the labels have {lt.Classes} classes");
                    return false;
                }
                return true;
            }
            case PrimitiveKind.Mse:
            case PrimitiveKind.L1:
            {
                if (args[0].Type is not TensorType a) { diagnostics.ReportHeadMismatch(source, c.Arguments[0].Value.Span, name, "expects a tensor first"); return false; }
                if (args[1].Type is TensorType b && !Shape.Same(a.Shape, b.Shape))
                {
                    diagnostics.ReportHeadMismatch(source, c.Span, name, $"`{ArgDesc(0)}` is {Shape.Show(a.Shape)} but `{ArgDesc(1)}` is {Shape.Show(b.Shape)}");
                    return false;
                }
                if (args[1].Type is LabelType or NetworkType) { diagnostics.ReportHeadMismatch(source, c.Arguments[1].Value.Span, name, "expects a tensor or a number second"); return false; }
                return true;
            }
            case PrimitiveKind.Mean:
                if (args[0].Type is TensorType) return true;
                diagnostics.ReportHeadMismatch(source, c.Arguments[0].Value.Span, name, "expects a tensor");
                return false;
            default:
                return args.Select((_, i) => OnePerSample(i)).All(ok => ok);
        }
    }

    (LossExprIr, LossType)? BindPenalty(CallSyntax c)
    {
        var name = c.Name.Text;
        string[] keys = name == "r1" ? ["real", "gamma", "output"] : ["real", "fake", "target", "weight", "output"];
        if (c.Arguments is [{ Keyword: null, Value: NameSyntax failedName }, ..] && failed.Contains(failedName.Name.Text)) return null;   // already reported
        if (c.Arguments.Count == 0 || c.Arguments[0].Keyword is not null || c.Arguments[0].Value is not NameSyntax netName || !networks.TryGetValue(netName.Name.Text, out var net))
        {
            diagnostics.ReportArity(source, c.Span, name, $"needs the critic network first, e.g. {name}(D, real: real{(name == "r1" ? ", gamma: 10" : ", fake: detach(G(z)), weight: 10")})");
            return null;
        }
        var given = new Dictionary<string, ExpressionSyntax>();
        foreach (var a in c.Arguments.Skip(1))
        {
            var key = a.Keyword?.Text;
            if (key is null || !keys.Contains(key)) { diagnostics.ReportUnknownKeyword(source, a.Span, name, key ?? "(positional)", keys); return null; }
            if (!given.TryAdd(key, a.Value)) { diagnostics.ReportArgumentTwice(source, a.Span, name, key); return null; }
        }
        string output = net.DefaultOutput;
        if (given.TryGetValue("output", out var oe))
        {
            if (oe is not NameSyntax on || !net.Outputs.ContainsKey(on.Name.Text)) { diagnostics.ReportUnknownName(source, oe.Span, $"output of {net.Name}", source[oe.Span], net.Outputs.Keys); return null; }
            output = on.Name.Text;
        }
        else if (net.Outputs.Count > 1) { diagnostics.ReportOutputChoice(source, c.Span, net.Name, $"has several outputs; say which one the penalty uses with output: {net.Outputs.Keys.First()}"); return null; }

        LossExprIr? Tensor(string key)
        {
            if (!given.TryGetValue(key, out var ex)) { diagnostics.ReportArity(source, c.Span, name, $"missing argument '{key}'"); return null; }
            var r = Bind(ex);
            if (r is null) return null;
            if (r.Value.Type is not TensorType t || net.Inputs.Length != 1 || !Shape.Same(t.Shape, net.Inputs[0].Shape))
            {
                diagnostics.ReportApplyShape(source, ex.Span, net.Name, net.Inputs[0].Name, Shape.Dims(net.Inputs[0].Shape), r.Value.Type is TensorType t2 ? Shape.Dims(t2.Shape) : Describe(r.Value.Type));
                return null;
            }
            return r.Value.Ir;
        }
        double Number(string key, double def)
        {
            if (!given.TryGetValue(key, out var ex)) return def;
            var v = new Evaluator(source, diagnostics).Evaluate(ex, parameters);
            if (v is NumberValue n) return n.Number;
            if (v is not null) diagnostics.ReportWrongType(source, ex.Span, $"{name}: '{key}'", "a number", v.TypeName);
            return double.NaN;
        }
        var real = Tensor("real");
        if (real is null) return null;
        if (name == "r1")
        {
            double gamma = Number("gamma", 10);
            if (double.IsNaN(gamma)) return null;
            return Keep(new R1Ir(net.Name, output, real, gamma), new ScalarType(), c.Span);
        }
        var fake = Tensor("fake");
        if (fake is null) return null;
        double target = Number("target", 1), weight = Number("weight", 10);
        if (double.IsNaN(target) || double.IsNaN(weight)) return null;
        return Keep(new GradientPenaltyIr(net.Name, output, real, fake, target, weight), new ScalarType(), c.Span);
    }
}
