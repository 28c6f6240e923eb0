using System.Globalization;
using System.Text;
using Gan.Dsl.Ir;

namespace Gan.Dsl.Emit.PyTorch;

/// <summary>
/// train.py: the spec's training as data and small functions — its data, the networks' inputs, the latent parts, each
/// named loss as a Python function written from the loss IR (<see cref="LossPy"/>), the optimisers, the schedule and
/// the sample pictures — and a call of gandsl_run.main, whose loop (gandsl_train.py) follows GanDsl's runtime.
/// </summary>
internal static class TrainPy
{
    public static string Emit(ModelIr model, string header)
    {
        var sb = new StringBuilder(header);
        var losses = LossNames(model);
        sb.AppendLine($"\"\"\"Trains {model.Name} as GanDsl does: python3 train.py [--out DIR] [--steps N] [--data DIR] [--init FILE];");
        sb.AppendLine("under torchrun each rank takes its share of the (global) batch; --replay FILE compares one iteration with");
        sb.AppendLine("GanDsl's record of it. python3 train.py --help lists every option.\"\"\"");
        sb.AppendLine("import sys");
        sb.AppendLine();
        sb.AppendLine("from gandsl_run import main");
        var primitives = LossPy.Used(model).ToList();
        if (primitives.Count > 0) sb.AppendLine($"from gandsl_step import {string.Join(", ", primitives)}");
        var types = new List<string> { "Latent", "Optimizer", "Sampling", "Schedule", "Step" };
        if (model.Schedule.Emas.Length > 0) types.Add("Ema");
        if (model.Optimizers.Any(o => o.LrDecay is not null)) types.Add("LinearDecay");
        sb.AppendLine($"from gandsl_train import {string.Join(", ", types.Order(StringComparer.Ordinal))}");
        sb.AppendLine("from model import NETWORKS");
        sb.AppendLine();
        sb.AppendLine($"NAME = {LossPy.Str(model.Name)}");
        sb.AppendLine();
        sb.AppendLine("# The real data, as GanDsl loads it (from its dataset cache, or --data DIR).");
        sb.AppendLine($"DATA = {Data(model.Data)}");
        sb.AppendLine();
        sb.AppendLine("# Each network of model.py: how many inputs it takes, and its default output.");
        sb.AppendLine($"NETS = {{{string.Join(", ", model.Networks.Select(n => $"{LossPy.Str(n.Name)}: ({n.Inputs.Length}, "
                                                                           + $"{LossPy.Str(n.DefaultOutput)})"))}}}");
        sb.AppendLine();
        sb.AppendLine("# The latent parts: drawn once per step (per iteration under fakes: per_iteration).");
        sb.AppendLine("LATENTS = {");
        foreach (var l in model.Latents) sb.AppendLine($"    {LossPy.Str(l.Name)}: {Latent(l)}");
        sb.AppendLine("}");
        sb.AppendLine();
        sb.AppendLine();
        sb.AppendLine("# The losses, each a function of the step's state s; equal subexpressions are computed once per step.");
        foreach (var loss in model.Losses)
        {
            sb.Append(LossPy.Function(model, loss, losses[loss.Name]));
            sb.AppendLine();
            sb.AppendLine();
        }
        sb.AppendLine($"LOSSES = {{{string.Join(", ", model.Losses.Select(l => $"{LossPy.Str(l.Name)}: {losses[l.Name]}"))}}}");
        sb.AppendLine();
        sb.AppendLine("OPTIMIZERS = {");
        foreach (var o in model.Optimizers) sb.AppendLine($"    {LossPy.Str(o.Name)}: {Optimizer(o)},");
        sb.AppendLine("}");
        sb.AppendLine();
        sb.AppendLine(Schedule(model.Schedule));
        sb.AppendLine();
        sb.AppendLine(Sampling(model, model.Sampling));
        sb.AppendLine();
        sb.AppendLine("if __name__ == \"__main__\":");
        sb.AppendLine("    sys.exit(main(sys.modules[__name__]))");
        return sb.ToString();
    }

    /// <summary>Python names train.py uses at module level: a loss named like one gets a trailing underscore.</summary>
    static readonly HashSet<string> Taken =
    [
        "sys", "main", "s", "NAME", "DATA", "NETS", "LATENTS", "LOSSES", "OPTIMIZERS", "SCHEDULE", "SAMPLING", "NETWORKS", "Latent",
        "Optimizer", "Sampling", "Schedule", "Step", "Ema", "LinearDecay", "print", "len", "min", "max", "sum", "abs", "range",
    ];

    /// <summary>Each loss's function name: its name, unless that is a Python keyword or a name train.py uses.</summary>
    static Dictionary<string, string> LossNames(ModelIr model) => model.Losses.ToDictionary(l => l.Name, l =>
        Taken.Contains(l.Name) || LossPy.Primitives.Contains(l.Name) ? l.Name + "_" : ModelPy.Identifier(l.Name));

    static string Num(double d) => PyOps.Num(d);

    static string Data(DataIr data)
    {
        var fields = data switch
        {
            Gaussian2dDataIr g => $"\"kind\": \"gaussian2d\", \"mean\": [{string.Join(", ", g.Mean.Select(Num))}], \"transform\": ["
                                  + string.Join(", ", g.Transform.Select(r => $"[{string.Join(", ", r.Select(Num))}]"))
                                  + $"], \"count\": {g.Count}",
            MnistDataIr m => Idx("mnist", m.Split, m.Low, m.High, m.Size, m.Resize),
            FashionMnistDataIr f => Idx("fashion_mnist", f.Split, f.Low, f.High, f.Size, f.Resize),
            EmojiDataIr e => $"\"kind\": \"emoji\", \"size\": {e.Size}, \"channels\": 3, \"low\": {Num(e.Low)}, \"high\": {Num(e.High)}",
            ImageFolderDataIr i => $"\"kind\": \"images\", \"path\": {LossPy.Str(i.Path)}, \"size\": {i.Size}, \"channels\": {i.Channels}, "
                                   + $"\"low\": {Num(i.Low)}, \"high\": {Num(i.High)}",
            _ => throw new NotSupportedException($"data {data.GetType().Name} has no PyTorch form in train.py"),
        };
        return $"{{{fields}{(data.Flip ? ", \"flip\": True" : "")}}}";
    }

    static string Idx(string kind, string split, double low, double high, int size, string resize) =>
        $"\"kind\": \"{kind}\", \"split\": \"{split}\", \"low\": {Num(low)}, \"high\": {Num(high)}, \"size\": {size}, "
        + $"\"resize\": \"{resize}\"";

    static string Latent(LatentIr l) => l.Kind switch
    {
        LatentKind.Normal => $"Latent(\"normal\", {l.Dim}, a={Num(l.A)}, b={Num(l.B)}),  # N(a, b²)",
        LatentKind.Uniform => $"Latent(\"uniform\", {l.Dim}, a={Num(l.A)}, b={Num(l.B)}),  # U(a, b)",
        LatentKind.OneHot => $"Latent(\"one_hot\", {l.Dim}, classes={l.Classes}, from_labels={PyOps.Py(l.FromLabels)}),",
        _ => $"Latent(\"label\", {l.Dim}, classes={l.Classes}, from_labels={PyOps.Py(l.FromLabels)}),",
    };

    /// <summary>The optimiser's constructor call; its learning-rate decay and alias on a continuation line when long.</summary>
    static string Optimizer(OptimizerIr o)
    {
        var sb = new StringBuilder();
        string kind = o.Kind switch { OptimizerKind.Adam => "adam", OptimizerKind.RmsProp => "rmsprop", _ => "sgd" };
        sb.Append($"Optimizer(\"{kind}\", [{string.Join(", ", o.Networks.Select(LossPy.Str))}], {LossPy.Str(o.Loss)}, lr={Num(o.Lr)}");
        if (o.Kind == OptimizerKind.Adam) sb.Append($", betas=({Num(o.Beta1)}, {Num(o.Beta2)})");
        if (o.Kind != OptimizerKind.Sgd) sb.Append($", eps={Num(o.Eps)}");
        if (o.Kind == OptimizerKind.RmsProp) sb.Append($", alpha={Num(o.Alpha)}");
        if (o.Kind != OptimizerKind.Adam) sb.Append($", momentum={Num(o.Momentum)}");
        sb.Append($", weight_decay={Num(o.WeightDecay)}");
        var more = new List<string>();
        if (o.LrDecay is { } d)
            more.Add($"lr_decay=LinearDecay({Num(d.To)}, start={d.Start}, "
                     + $"end={(d.End is long end ? end.ToString(CultureInfo.InvariantCulture) : "None")})");
        if (o.SharesStateOf is { } shared) more.Add($"shares={LossPy.Str(shared)}");
        if (more.Count == 0) return sb.Append(')').ToString();
        int column = 4 + LossPy.Str(o.Name).Length + 2 + "Optimizer(".Length;
        bool wrap = column + sb.Length + more.Sum(m => m.Length + 2) > 120;
        return sb.Append(',').Append(wrap ? "\n" + new string(' ', column) : " ").Append(string.Join(", ", more)).Append(')').ToString();
    }

    static string Schedule(ScheduleIr s)
    {
        var order = s.Order.Select(e => $"Step({LossPy.Str(e.Optimizer)}{(e.Repeat != 1 ? $", repeat={e.Repeat}" : "")}"
                                        + $"{(e.Every != 1 ? $", every={e.Every}" : "")})");
        var lines = new List<string>
        {
            $"batch={s.Batch}", s.Steps > 0 ? $"steps={s.Steps}" : $"epochs={s.Epochs}", $"order=[{string.Join(", ", order)}]",
        };
        if (s.Clips.Length > 0)
            lines.Add($"clips={{{string.Join(", ", s.Clips.Select(c => $"{LossPy.Str(c.Network)}: {Num(c.Value)}"))}}}");
        if (s.Emas.Length > 0) lines.Add($"emas=[{string.Join(", ", s.Emas.Select(Ema))}]");
        lines.Add($"seed={s.Seed}");
        lines.Add($"drop_last={PyOps.Py(s.DropLast)}");
        if (s.OwnBatchNormStats) lines.Add("own_bn_stats=True");
        if (s.FakesPerIteration) lines.Add("fakes_per_iteration=True");
        lines.Add($"sample_every={s.SampleEvery}");
        lines.Add($"checkpoint_every={s.CheckpointEvery}");
        return "SCHEDULE = Schedule(\n    " + string.Join(",\n    ", lines) + ",\n)";
    }

    static string Ema(EmaIr e) => e.HalfLife is double h
        ? $"Ema({LossPy.Str(e.Network)}, half_life={Num(h)}{(e.Rampup is double r ? $", rampup={Num(r)}" : "")})"
        : $"Ema({LossPy.Str(e.Network)}, decay={Num(e.Decay)}, start={e.Start})";

    static string Sampling(ModelIr model, SamplingIr s)
    {
        var sb = new StringBuilder($"SAMPLING = Sampling({LossPy.Str(s.Sampled)}, [{string.Join(", ", s.Latents.Select(LossPy.Str))}], "
                                   + $"rows={s.Rows}, cols={s.Cols}");
        if (s.Output != model.Network(s.Generator).DefaultOutput) sb.Append($", output={LossPy.Str(s.Output)}");
        if (s.Mode == SamplingMode.PerClassRows) sb.Append($", mode=\"per_class\", class_latent={LossPy.Str(s.ClassLatent!)}");
        if (s.Mode == SamplingMode.CodeSweep)
            sb.Append($", mode=\"code_sweep\", class_latent={LossPy.Str(s.ClassLatent!)}, code_latent={LossPy.Str(s.CodeLatent!)}, "
                      + $"code_index={s.CodeIndex}");
        if (s.BatchStats) sb.Append(", batch_stats=True");
        return sb.Append(')').ToString();
    }
}
