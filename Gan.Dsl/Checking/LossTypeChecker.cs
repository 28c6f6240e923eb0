using Gan.Dsl.Binding;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Dsl.Layers;
using Gan.Dsl.Losses;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.Checking;

/// <summary>
/// Types bound loss expressions against the checked networks: scalars where arithmetic needs them, network
/// applications against their inputs' shapes (GAN0307) and outputs (GAN0308), and each primitive's arguments with
/// its own check (GAN0306). An expression over a failed network is not checked again.
/// </summary>
internal sealed class LossTypeChecker(SourceText source, DiagnosticBag diagnostics, IReadOnlyDictionary<string, CheckedNetwork> networks)
{
    /// <summary>Types a loss, which must be a scalar (GAN0408 otherwise).</summary>
    public void CheckLoss(BoundLoss loss)
    {
        if (TypeOf(loss.Expr) is not { } t || t is ScalarType) return;
        diagnostics.ReportLossKind(source, loss.Syntax.Value.Span,
            $"a loss must be a scalar, but this is {t.Describe()}; reduce it with a loss function such as mean(...) or bce_logits(...)");
    }

    /// <summary>The network an expression applies, when it checked; null for a failed one (its errors are reported).</summary>
    CheckedNetwork? Network(string name) => networks.TryGetValue(name, out var n) && !n.Failed ? n : null;

    LossType? TypeOf(BoundExpr e) => e switch
    {
        BoundNumber or BoundLossRef => new ScalarType(),
        BoundUnary u => Scalar(u.Operand, u.Node.Operand, $"the operand of '{u.Node.Operator.Text}'") ? new ScalarType() : null,
        BoundBinary b => Scalar(b.Left, b.Node.Left, $"the left side of '{b.Node.Operator.Text}'")
                         & Scalar(b.Right, b.Node.Right, $"the right side of '{b.Node.Operator.Text}'") ? new ScalarType() : null,
        BoundReal r => new TensorType([.. r.Shape]),
        BoundLabels l => new LabelType(l.Classes),
        BoundLatentRef l => l.Latent.Kind == LatentKind.Label ? new LabelType(l.Latent.Classes) : new TensorType([l.Latent.Dim]),
        BoundNetworkRef n => Network(n.Network) is null ? null : new NetworkType(n.Network),
        BoundDetach d => TypeOf(d.Operand),
        BoundAugment g => Augment(g),
        BoundApply a => Apply(a),
        BoundPrimitive p => Primitive(p),
        BoundPenalty p => Penalty(p),
        BoundError => null,
        _ => throw new InvalidOperationException($"no type rule for {e.GetType().Name}"),
    };

    bool Scalar(BoundExpr e, ExpressionSyntax written, string what)
    {
        var t = TypeOf(e);
        if (t is null) return false;
        if (t is ScalarType) return true;
        diagnostics.ReportLossKind(source, written.Span,
            $"{what} must be a scalar loss value, but it is {t.Describe()}; reduce it with mean(...) or a loss function");
        return false;
    }

    /// <summary>The output an application reads: the chosen one, or the network's only one (GAN0201/GAN0308 otherwise).</summary>
    string? Output(CheckedNetwork net, Token? chosen, TextSpan callSpan)
    {
        if (chosen is not null)
        {
            if (net.Outputs.ContainsKey(chosen.Text)) return chosen.Text;
            diagnostics.ReportUnknownName(source, chosen.Span, $"output of {net.Name}", chosen.Text, net.OutputOrder);
            return null;
        }
        if (net.Outputs.Count <= 1) return net.DefaultOutput;
        diagnostics.ReportOutputChoice(source, callSpan, net.Name,
            $"has outputs {string.Join(", ", net.OutputOrder)}; choose one, e.g. {net.Name}(...).{net.OutputOrder.First()}");
        return null;
    }

    LossType? Apply(BoundApply a)
    {
        if (Network(a.Network) is not { } net) return null;
        var c = a.Call;
        if (Output(net, a.Output, c.Span) is not { } output) return null;
        var args = new List<(LossType Type, TextSpan Span)>();
        for (int i = 0; i < a.Args.Length; i++)
        {
            var arg = c.Arguments[i];
            if (arg.Keyword is not null)
            {
                diagnostics.ReportUnknownKeyword(source, arg.Span, net.Name, arg.Keyword.Text, net.Inputs.Select(x => x.Ir.Name));
                return null;
            }
            if (TypeOf(a.Args[i]) is not { } type) return null;
            if (type is ScalarType or NetworkType)
            {
                diagnostics.ReportLossKind(source, arg.Value.Span,
                                           $"{net.Name} must be applied to tensors (data, latent parts or network outputs), "
                                           + $"not {type.Describe()}");
                return null;
            }
            args.Add((type, arg.Value.Span));
        }
        if (!a.Complete) return null;
        var inputs = net.Inputs.Select(x => x.Ir).ToList();
        string Names() => string.Join(", ", inputs.Select(x => x.Name));
        if (args.Count == 0)
        {
            diagnostics.ReportArity(source, c.Span, net.Name, $"needs {inputs.Count} input(s): {Names()}");
            return null;
        }
        if (inputs.Count == 1 && args.Count > 1)
        {
            // Several parts for one input are concatenated (z = one-hot ++ code ++ noise).
            var input = inputs[0];
            if (args.Any(x => x.Type is not TensorType { Shape.Length: 1 }) || input.Shape.Length != 1)
            {
                diagnostics.ReportApplyShape(source, c.Span, net.Name, input.Name, Shape.Dims(input.Shape),
                                             "(several parts; only flat vectors can be concatenated)");
                return null;
            }
            int width = args.Sum(x => ((TensorType)x.Type).Shape[0]);
            if (width != input.Shape[0])
            {
                diagnostics.ReportApplyShape(source, c.Span, net.Name, input.Name, Shape.Dims(input.Shape),
                                             $"{width} "
                                             + $"({string.Join(" + ", args.Select(x => ((TensorType)x.Type).Shape[0]))} concatenated)");
                return null;
            }
        }
        else if (args.Count != inputs.Count)
        {
            diagnostics.ReportArity(source, c.Span, net.Name, $"takes {inputs.Count} input(s) ({Names()}), got {args.Count}");
            return null;
        }
        else
        {
            for (int k = 0; k < args.Count; k++)
            {
                var input = inputs[k];
                var (type, span) = args[k];
                if (input.Kind == InputKind.Label)
                {
                    if (type is not LabelType lt)
                    {
                        diagnostics.ReportApplyShape(source, span, net.Name, input.Name, $"label({input.Classes})", type.Describe());
                        return null;
                    }
                    if (lt.Classes != input.Classes)
                    {
                        diagnostics.ReportApplyShape(source, span, net.Name, input.Name, $"label({input.Classes})", $"label({lt.Classes})");
                        return null;
                    }
                }
                else if (type is not TensorType tt || !Shape.Same(tt.Shape, input.Shape))
                {
                    diagnostics.ReportApplyShape(source, span, net.Name, input.Name, Shape.Dims(input.Shape),
                                                 type is TensorType t2 ? Shape.Dims(t2.Shape) : type.Describe());
                    return null;
                }
            }
        }
        return new TensorType(net.OutputShape(output));
    }

    /// <summary>augment(x, ...): x must be an image batch, N×C×H×W (GAN0302); the result has its shape.</summary>
    LossType? Augment(BoundAugment g)
    {
        if (TypeOf(g.Operand) is not { } t) return null;
        if (t is TensorType { Shape.Length: 3 }) return t;
        diagnostics.ReportRank(source, g.Call.Arguments[0].Value.Span, "augment",
                               $"an image batch N×C×H×W, but `{source[g.Call.Arguments[0].Value.Span]}` is "
                               + (t is TensorType tt ? Shape.Show(tt.Shape) : t.Describe()));
        return null;
    }

    LossType? Primitive(BoundPrimitive p)
    {
        var args = new List<PrimitiveArgument>();
        for (int i = 0; i < p.Args.Length; i++)
        {
            if (TypeOf(p.Args[i]) is not { } type) return null;
            var oneHot = p.Args[i] is BoundLatentRef { Latent: { Kind: LatentKind.OneHot } l } ? l.Classes : (int?)null;
            args.Add(new PrimitiveArgument(type, p.Call.Arguments[i].Value, Constant(p.Args[i]), oneHot));
        }
        if (!p.Complete) return null;
        return p.Primitive.Check(new PrimitiveCall(p.Primitive.Name, p.Call, args, source, diagnostics)) ? new ScalarType() : null;
    }

    /// <summary>The value of a constant subexpression (numbers, params, − and arithmetic), or null.</summary>
    static double? Constant(BoundExpr e) => e switch
    {
        BoundNumber n => n.Value,
        BoundUnary u => u.Negates ? -Constant(u.Operand) : Constant(u.Operand),
        BoundBinary { Op: var op, Left: var l, Right: var r } when Constant(l) is double a && Constant(r) is double b =>
            op switch { BinaryOp.Add => a + b, BinaryOp.Sub => a - b, BinaryOp.Mul => a * b, _ => b == 0 ? null : a / b },
        _ => null,
    };

    LossType? Penalty(BoundPenalty p)
    {
        if (Network(p.Network) is not { } net) return null;
        var c = p.Call;
        if (p.OutputName is { } oe)
        {
            if (oe is not NameSyntax on || !net.Outputs.ContainsKey(on.Name.Text))
            {
                diagnostics.ReportUnknownName(source, oe.Span, $"output of {net.Name}", source[oe.Span], net.OutputOrder);
                return null;
            }
        }
        else if (net.Outputs.Count > 1)
        {
            diagnostics.ReportOutputChoice(source, c.Span, net.Name,
                                           $"has several outputs; say which one the penalty uses with output: {net.OutputOrder.First()}");
            return null;
        }
        bool Fits(string key, BoundExpr e)
        {
            if (TypeOf(e) is not { } t) return false;
            var input = net.Inputs[0].Ir;
            if (t is TensorType tt && net.Inputs.Length == 1 && Shape.Same(tt.Shape, input.Shape)) return true;
            var written = c.Arguments.First(a => a.Keyword?.Text == key).Value;
            diagnostics.ReportApplyShape(source, written.Span, net.Name, input.Name, Shape.Dims(input.Shape),
                                         t is TensorType t2 ? Shape.Dims(t2.Shape) : t.Describe());
            return false;
        }
        if (!Fits("real", p.Real)) return null;
        if (p.Fake is not null && !Fits("fake", p.Fake)) return null;
        return p.Complete ? new ScalarType() : null;
    }
}
