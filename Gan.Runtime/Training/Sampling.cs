using Gan.Dsl.Ir;
using Gan.Runtime.Data;
using Gan.Runtime.Model;
using static TorchSharp.torch;

namespace Gan.Runtime.Training;

/// <summary>Sample grids from fixed noise (per class rows, InfoGAN code sweeps), 2-D scatter plots, and D accuracy.</summary>
public static class Sampling
{
    /// <summary>The generator application the spec trains with (its arguments say which latents feed it).</summary>
    public static ApplyIr GeneratorApply(ModelIr model)
    {
        IEnumerable<LossExprIr> Walk(LossExprIr e) => e switch
        {
            ApplyIr a => a.Args.SelectMany(Walk).Prepend(a),
            DetachIr d => Walk(d.Operand),
            BinaryIr b => Walk(b.Left).Concat(Walk(b.Right)),
            NegIr n => Walk(n.Operand),
            PrimitiveIr p => p.Args.SelectMany(Walk),
            GradientPenaltyIr g => Walk(g.Real).Concat(Walk(g.Fake)),
            _ => [],
        };
        return model.Losses.SelectMany(l => Walk(l.Expr)).OfType<ApplyIr>().FirstOrDefault(a => a.Network == model.Sampling.Generator)
               ?? throw new InvalidOperationException($"no loss applies {model.Sampling.Generator}");
    }

    /// <summary>Latent values for the grid, fixed for the whole run (seeded), with class rows and code sweeps.</summary>
    public static Dictionary<string, Tensor> FixedLatents(ModelIr model, Device device, int seed, int? count = null)
    {
        var s = model.Sampling;
        int n = count ?? (model.Data is Gaussian2dDataIr g ? g.Count : s.Rows * s.Cols);
        var gen = new Generator((ulong)seed + 4242);
        var result = new Dictionary<string, Tensor>();
        foreach (var name in GeneratorApply(model).Args.OfType<LatentRefIr>().Select(r => r.Name).Distinct())
        {
            var l = model.Latent(name);
            Tensor t = l.Kind switch
            {
                LatentKind.Normal => randn([n, l.Dim], generator: gen) * l.B + l.A,
                LatentKind.Uniform => rand([n, l.Dim], generator: gen) * (l.B - l.A) + l.A,
                _ => randint(0, l.Classes, [n], generator: gen),
            };
            if (name == s.ClassLatent && count is null)
                t = tensor(Enumerable.Range(0, n).Select(i => (long)(i / s.Cols)).ToArray());                    // row r = class r
            if (l.Kind == LatentKind.OneHot) t = nn.functional.one_hot(t.to_type(ScalarType.Int64), l.Classes).to_type(ScalarType.Float32);
            if (name == s.CodeLatent && count is null)
                t[.., s.CodeIndex] = linspace(0, 1, s.Cols).repeat(s.Rows).to_type(t.dtype);                 // columns sweep [0, 1]
            result[name] = t.to(device).DetachFromDisposeScope();
        }
        return result;
    }

    /// <summary>
    /// Generates from fixed latents with the generator in eval mode: BatchNorm uses running statistics, or the
    /// batch's own under sample { bn: batch } (never updating the running ones).
    /// </summary>
    public static Tensor Generate(ModelIr model, IReadOnlyDictionary<string, NetworkModule> nets, IReadOnlyDictionary<string, Tensor> latents)
    {
        var g = nets[model.Sampling.Generator];
        bool wasTraining = g.training;
        g.eval();
        g.BatchNormStatsInEval(model.Sampling.BatchStats);
        try
        {
            using var _ = no_grad();
            var args = GeneratorApply(model).Args.Select(a => a is LatentRefIr r ? latents[r.Name] : throw new InvalidOperationException("the generator takes a non-latent input")).ToList();
            if (g.Ir.Inputs.Length == 1 && args.Count > 1) args = [cat(args.ToArray(), 1)];
            return g.Output(args, GeneratorApply(model).Output);
        }
        finally
        {
            g.BatchNormStatsInEval(false);
            if (wasTraining) g.train();
        }
    }

    public static void Save(ModelIr model, IReadOnlyDictionary<string, NetworkModule> nets, IReadOnlyDictionary<string, Tensor> latents,
                            TensorDataset data, RunFolder run, long step)
    {
        using var scope = NewDisposeScope();
        var fake = Generate(model, nets, latents);
        var path = Path.Combine(run.SamplesDir, $"step-{step:D7}.png");
        if (model.Data is Gaussian2dDataIr) Images.SaveScatter(data.X, fake, path, $"step {step}: real (blue) vs generated (orange)");
        else
        {
            var (lo, hi) = model.Data.Scale ?? (-1, 1);
            Images.SaveGrid(fake, model.Sampling.Rows, model.Sampling.Cols, lo, hi, path);
        }
    }

    /// <summary>D's accuracy on all real samples and as many fresh fakes (seed 000's per-epoch figure; gan eval for 2-D and image data).</summary>
    public static double DAccuracy(ModelIr model, IReadOnlyDictionary<string, NetworkModule> nets, TensorDataset data, long step)
    {
        using var scope = NewDisposeScope();
        var dApply = model.Losses.Select(l => FindRealApply(l.Expr)).FirstOrDefault(a => a is not null);
        if (dApply is null) return double.NaN;
        var d = nets[dApply.Network];
        var latents = FixedLatents(model, data.X.device, (int)(step % 1_000_000) + 77, (int)data.Count);   // fresh fakes each epoch
        var fake = Generate(model, nets, latents);
        bool sigmoid = d.Ir.Nodes[d.Ir.Outputs[dApply.Output]].Op is ActivationOp { Kind: ActivationKind.Sigmoid };
        double threshold = sigmoid ? 0.5 : 0;
        using var _ = no_grad();
        var realOk = (d.Output([data.X], dApply.Output) > threshold).to_type(ScalarType.Float64).sum().item<double>();
        var fakeOk = (d.Output([fake], dApply.Output) <= threshold).to_type(ScalarType.Float64).sum().item<double>();
        return (realOk + fakeOk) / (2.0 * data.Count);
    }

    static ApplyIr? FindRealApply(LossExprIr e) => e switch
    {
        ApplyIr { Args: [RealIr] } a => a,
        BinaryIr b => FindRealApply(b.Left) ?? FindRealApply(b.Right),
        NegIr n => FindRealApply(n.Operand),
        PrimitiveIr p => p.Args.Select(FindRealApply).FirstOrDefault(x => x is not null),
        DetachIr dt => FindRealApply(dt.Operand),
        _ => null,
    };
}
