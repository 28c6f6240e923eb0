using Gan.Dsl.Ir;
using Gan.Runtime.Losses;
using Gan.Runtime.Model;
using Gan.Runtime.Sampling;
using static TorchSharp.torch;

namespace Gan.Runtime.Training;

/// <summary>
/// Evaluates the IR's loss expressions for one optimiser step. Structurally equal subexpressions are
/// computed once (memo), so <c>G(z)</c> written twice is one forward pass on one latent sample.
/// Latent parts are sampled lazily, once per step, from the run's latent generator.
/// </summary>
/// <param name="share">under <c>fakes: per_iteration</c>, the iteration's shared latents and detached outputs; null: all per step.</param>
/// <param name="bookkeeping">compute mean D(x) and D(G(z)) for the log (skipped on steps that are not logged).</param>
/// <param name="constants">the run's constants, allocated once; null: allocate them in each step.</param>
internal sealed class StepContext(ModelIr model, IReadOnlyDictionary<string, NetworkModule> nets, Tensor real, Tensor? labels,
                                Generator latentGen, IterationShare? share = null, bool bookkeeping = true, RunConstants? constants = null)
{
    readonly Dictionary<LossExprIr, Tensor> memo = [];
    // One forward pass per (network, arguments), whichever heads are read from it: D(x).disc and D(x).cat share it.
    readonly Dictionary<ApplyIr, Tensor?[]> forwards = [];
    readonly Dictionary<string, Tensor> named = [];

    /// <summary>Values of named losses computed in this step (detached scalars).</summary>
    public IReadOnlyDictionary<string, Tensor> Named => named;

    /// <summary>Mean D output on real data and on fakes seen in this step, when the loss had them.</summary>
    public Tensor? DReal { get; private set; }
    public Tensor? DFake { get; private set; }

    public Tensor Evaluate(LossExprIr e)
    {
        if (memo.TryGetValue(e, out var cached)) return cached;
        var v = Compute(e);
        memo[e] = v;
        return v;
    }

    public Tensor Latent(string name)
    {
        var key = new LatentRefIr(name);
        if (memo.TryGetValue(key, out var t)) return t;
        if (share is not null && share.Latents.TryGetValue(name, out var shared)) { memo[key] = shared; return shared; }
        var l = model.Latent(name);
        long n = real.shape[0];
        t = l.Kind is LatentKind.Normal or LatentKind.Uniform
            ? DrawRecorder.Note($"latent {name}", LatentDraws.Draw(l, n, latentGen, real.device))     // N×dim
            : Classes(l, n);
        if (share is not null) share.Latents[name] = t.MoveToOuterDisposeScope();
        memo[key] = t;
        return t;
    }

    /// <summary>A class part: the batch's labels when the part reads them, else drawn classes; one-hot for a one-hot part.</summary>
    Tensor Classes(LatentIr l, long n) => LatentDraws.Encode(l, l.FromLabels && labels is not null
        ? labels
        : DrawRecorder.Note($"latent {l.Name}", LatentDraws.Draw(l, n, latentGen, real.device)), constants);   // N

    Tensor Compute(LossExprIr e)
    {
        switch (e)
        {
            case ConstIr c: return Constant(c.Value);
            case RealIr: return real;
            case LabelsIr: return labels ?? throw new InvalidOperationException("the data has no labels");
            case LatentRefIr l: return Latent(l.Name);
            case LossRefIr r:
            {
                var v = Evaluate(model.Loss(r.Name).Expr);
                named[r.Name] = v.detach();
                return v;
            }
            case NegIr n: return -Evaluate(n.Operand);
            case BinaryIr b:
            {
                var l = Evaluate(b.Left); var r = Evaluate(b.Right);
                return b.Op switch { BinaryOp.Add => l + r, BinaryOp.Sub => l - r, BinaryOp.Mul => l * r, _ => l / r };
            }
            case DetachIr { Operand: ApplyIr a } when share is not null && share.Detached.TryGetValue(a, out var earlier): return earlier;
            case DetachIr d: return Evaluate(d.Operand).detach();
            case ApplyIr a: return Apply(a);
            case AugmentIr g: return DiffAugment.Apply(Evaluate(g.Operand), g.Policies, latentGen);
            case PrimitiveIr p: return Primitive(p);
            case GradientPenaltyIr gp:
                return LossFunctions.GradientPenalty(x => nets[gp.Network].Output([x], gp.Output), Evaluate(gp.Real), Evaluate(gp.Fake),
                                                     gp.Target, gp.Weight, latentGen);
            case R1Ir r1:
                return LossFunctions.R1(x => nets[r1.Network].Output([x], r1.Output), Evaluate(r1.Real), r1.Gamma);
            default: throw new NotSupportedException(e.GetType().Name);
        }
    }

    Tensor Apply(ApplyIr a)
    {
        var net = nets[a.Network];
        var key = a with { Output = "" };
        if (!forwards.TryGetValue(key, out var values))
        {
            values = net.Forward(net.JoinInputs([.. a.Args.Select(Evaluate)]), net.OutputIds);
            forwards[key] = values;
        }
        var outv = values[net.Ir.Outputs[a.Output]]!;
        share?.Offer(a, outv);
        if (bookkeeping && a.Log != LogColumn.None)
        {
            // Bookkeeping for the log: D(x) on real data, D(G(z)) on generated data, as probabilities.
            var p = (a.EndsInSigmoid ? outv : outv.sigmoid()).detach().mean();
            if (a.Log == LogColumn.DReal) DReal = p; else DFake = p;
        }
        return outv;
    }

    Tensor Constant(double value) => constants?.Scalar(value, real.device) ?? tensor((float)value, device: real.device);

    Tensor Primitive(PrimitiveIr p) => LossTable.Functions[p.Name](new LossArguments([.. p.Args.Select(Evaluate)], p.Args, constants));
}
