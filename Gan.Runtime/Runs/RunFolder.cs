using System.Globalization;
using System.Text;
using System.Text.Json;
using Gan.Dsl.Ir;

namespace Gan.Runtime.Runs;

/// <summary>
/// A run folder: <c>spec.gan</c> (a copy), <c>params.json</c>, <c>log.csv</c> (one row per step),
/// <c>epochs.csv</c> (per-epoch D accuracy for 2-D data), <c>samples/</c>, <c>checkpoints/</c>.
/// </summary>
internal sealed class RunFolder
{
    readonly List<string> columns;
    readonly IReadOnlyDictionary<string, object> parameters;
    /// <summary>The step of log.csv's last row (0 while it has none), kept here so that an epoch's row need not read the log.</summary>
    long lastStep;
    public string Dir { get; }
    string LogPath => Path.Combine(Dir, "log.csv");
    string EpochsPath => Path.Combine(Dir, "epochs.csv");
    public string SamplesDir => Path.Combine(Dir, "samples");

    public RunFolder(string dir, ModelIr model, List<string> lossColumns, bool resume)
    {
        Dir = Path.GetFullPath(dir);
        parameters = model.Params;
        columns = ["step", "epoch", .. lossColumns, "d_real", "d_fake", "images_per_s", "elapsed_s"];
        if (!resume && File.Exists(LogPath))
            throw new Errors.UserInputException($"{Dir} already holds a run (log.csv); "
                                                + "choose another --out, or add --resume to continue it.");
        if (resume && !File.Exists(LogPath))
            throw new Errors.UserInputException($"{Dir}: nothing to resume (no log.csv); start the run without --resume.");
        Directory.CreateDirectory(SamplesDir);
        if (!resume)
        {
            AtomicFile.WriteAllText(Path.Combine(Dir, "spec.gan"), model.SpecText);
            // The files the spec `use`s (the compiler read them), beside the copy, so that it compiles on its own.
            foreach (var used in model.UsedFiles)
            {
                var to = Path.GetFullPath(Path.Combine(Dir, used.RelativePath));
                if (File.Exists(to)) continue;
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                AtomicFile.WriteAllText(to, used.Text);
            }
            File.WriteAllText(LogPath, string.Join(",", columns) + "\n");
        }
    }

    public void WriteParams(int seed, int batch, int epochs, long steps, string device)
    {
        var p = new Dictionary<string, object>
        {
            ["params"] = new SortedDictionary<string, object>(parameters.ToDictionary(kv => kv.Key, kv => kv.Value),
                                                              StringComparer.Ordinal),
            ["seed"] = seed, ["batch"] = batch, ["epochs"] = epochs, ["steps"] = steps, ["device"] = device,
            ["versions"] = new Dictionary<string, string>
            {
                ["gandsl"] = RuntimeInfo.GanDslVersion, ["torchsharp"] = RuntimeInfo.TorchSharpVersion,
                ["libtorch"] = RuntimeInfo.LibTorchVersion,
            },
            ["started_utc"] = DateTime.UtcNow.ToString("o"),
        };
        AtomicFile.WriteAllText(Path.Combine(Dir, "params.json"),
                                JsonSerializer.Serialize(p, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Appends one row; values missing in this step are left empty.</summary>
    public void AppendLog(long step, int epoch, Dictionary<string, double> row)
    {
        var sb = new StringBuilder();
        sb.Append(step.ToString(CultureInfo.InvariantCulture)).Append(',').Append(epoch.ToString(CultureInfo.InvariantCulture));
        foreach (var c in columns.Skip(2))
            sb.Append(',').Append(row.TryGetValue(c, out var v) ? v.ToString("R", CultureInfo.InvariantCulture) : "");
        File.AppendAllText(LogPath, sb.Append('\n').ToString());
        lastStep = step;
    }

    /// <summary>On resume, drops log rows after the checkpoint's step (they will be recomputed identically).</summary>
    public void TruncateLog(long step)
    {
        var kept = KeepRows(LogPath, cells => cells.Length == columns.Count && long.TryParse(cells[0], out var s) && s <= step);
        lastStep = kept.Count > 0 && long.TryParse(kept[^1].Split(',')[0], out var last) ? last : 0;   // 0: no row kept
        if (File.Exists(EpochsPath)) KeepRows(EpochsPath, cells => int.TryParse(cells[1], out var s) && s <= step);
    }

    /// <summary>Rewrites a CSV file keeping its header and the rows whose cells <paramref name="keep"/> accepts; returns them.</summary>
    static List<string> KeepRows(string path, Func<string[], bool> keep)
    {
        var lines = File.ReadAllLines(path);
        var kept = lines.Take(1).Concat(lines.Skip(1).Where(l => keep(l.Split(',')))).ToList();
        AtomicFile.WriteAllText(path, string.Join("\n", kept) + "\n");
        return kept;
    }

    /// <summary>The seed's per-epoch D accuracy (2-D data): printed and logged to epochs.csv.</summary>
    public void LogEpoch(int epoch, double accuracy, Action<string> say)
    {
        if (!File.Exists(EpochsPath)) File.WriteAllText(EpochsPath, "epoch,step,d_accuracy\n");
        File.AppendAllText(EpochsPath, $"{epoch},{lastStep},{accuracy.ToString("R", CultureInfo.InvariantCulture)}\n");
        say($"epoch {epoch}: D accuracy {accuracy:P1} (50% means D cannot tell real from generated)");
    }
}

