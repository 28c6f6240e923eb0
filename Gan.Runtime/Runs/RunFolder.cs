using System.Globalization;
using System.Text;
using System.Text.Json;
using Gan.Dsl.Ir;

namespace Gan.Runtime.Runs;

/// <summary>
/// A run folder: <c>spec.gan</c> (a copy), <c>params.json</c>, <c>log.csv</c> (one row per step),
/// <c>epochs.csv</c> (per-epoch D accuracy for 2-D data), <c>samples/</c>, <c>checkpoints/</c>, and with <c>--tensorboard</c>
/// <c>tb/</c> (<see cref="TensorBoardLog"/>).
/// </summary>
internal sealed class RunFolder
{
    readonly List<string> columns;
    /// <summary>The step of log.csv's last row (0 while it has none), kept here so that an epoch's row need not read the log.</summary>
    long lastStep;
    public string Dir { get; }
    string LogPath => Path.Combine(Dir, "log.csv");
    string EpochsPath => Path.Combine(Dir, "epochs.csv");
    public string SamplesDir => Path.Combine(Dir, "samples");

    /// <summary>
    /// Opens a run folder: a new one (refused if it already holds a run; <see cref="Start"/> fills it) or one to resume.
    /// A new folder gets params.json first, then the spec copy, then log.csv's header: a run that has a log has its params.
    /// </summary>
    public RunFolder(string dir, List<string> lossColumns, bool resume)
    {
        Dir = Path.GetFullPath(dir);
        columns = ["step", "epoch", .. lossColumns, "d_real", "d_fake", "images_per_s", "elapsed_s"];
        if (!resume)
        {
            if (File.Exists(LogPath) || File.Exists(RunParams.PathIn(Dir)))
                throw new Errors.UserInputException($"{Dir} already holds a run (log.csv); "
                                                    + "choose another --out, or resume it with `gan train --resume " + Dir + "`.");
            return;
        }
        Directory.CreateDirectory(SamplesDir);
        RemoveLeftovers();
        if (!File.Exists(LogPath)) AtomicFile.WriteAllText(LogPath, Header);     // killed before its first row
    }

    /// <summary>
    /// The temporary files and folders of a process killed mid-write (<c>*.tmp-PID*</c>, <c>.step-*</c>): never read, so removed
    /// when the run resumes.
    /// </summary>
    void RemoveLeftovers()
    {
        foreach (var dir in new[] { Dir, SamplesDir, Path.Combine(Dir, "plots"), Path.Combine(Dir, "checkpoints") }.Where(Directory.Exists))
        {
            foreach (var file in Directory.GetFiles(dir, "*.tmp-*")) File.Delete(file);
            foreach (var stale in Directory.GetDirectories(dir, ".*.tmp-*").Concat(Directory.GetDirectories(dir, ".*.deleting-*")))
                Directory.Delete(stale, true);
        }
    }

    string Header => string.Join(",", columns) + "\n";

    /// <summary>Starts a new run folder: params.json, the spec's copy and the files it uses, log.csv's header.</summary>
    public void Start(ModelIr model, RunParams p)
    {
        Directory.CreateDirectory(SamplesDir);
        p.Write(Dir);
        AtomicFile.WriteAllText(Path.Combine(Dir, "spec.gan"), model.SpecText);
        // The files the spec `use`s (the compiler read them, all under the spec's folder), beside the copy, so that it compiles.
        foreach (var used in model.UsedFiles)
        {
            var to = Path.GetFullPath(Path.Combine(Dir, used.RelativePath));
            if (!to.StartsWith(Dir + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new Errors.UserInputException(
                    $"{used.RelativePath}: the spec uses a file outside its own folder; a run folder keeps the spec and the files "
                    + "it uses side by side, so train a spec whose `use` files lie in its folder or below.");
            if (File.Exists(to)) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            AtomicFile.WriteAllText(to, used.Text);
        }
        AtomicFile.WriteAllText(LogPath, Header);
    }

    /// <summary>Appends one row; values missing in this step are left empty.</summary>
    public void AppendLog(long step, int epoch, Dictionary<string, double> row)
    {
        var sb = new StringBuilder();
        sb.Append(step.ToString(CultureInfo.InvariantCulture)).Append(',').Append(epoch.ToString(CultureInfo.InvariantCulture));
        foreach (var c in columns.Skip(2))
            sb.Append(',').Append(row.TryGetValue(c, out var v) ? v.ToString("R", CultureInfo.InvariantCulture) : "");
        var line = sb.Append('\n').ToString();
        if (Chaos.Armed)
        {
            File.AppendAllText(LogPath, line[..(line.Length / 2)]);
            Chaos.Point("log");
            line = line[(line.Length / 2)..];
        }
        File.AppendAllText(LogPath, line);
        lastStep = step;
    }

    /// <summary>A row's values by log.csv column after the step: the epoch, then each value the row has, in column order.</summary>
    public IEnumerable<(string Column, double Value)> Values(int epoch, IReadOnlyDictionary<string, double> row)
    {
        yield return ("epoch", epoch);
        foreach (var c in columns.Skip(2))
            if (row.TryGetValue(c, out var v)) yield return (c, v);
    }

    /// <summary>
    /// On resume, drops log rows after the checkpoint's step (they will be recomputed identically), and any torn last row:
    /// a kill during an append leaves a line without its newline, or without all its cells.
    /// </summary>
    public void TruncateLog(long step)
    {
        var kept = KeepRows(LogPath, cells => cells.Length == columns.Count && long.TryParse(cells[0], out var s) && s <= step);
        lastStep = kept.Count > 1 && long.TryParse(kept[^1].Split(',')[0], out var last) ? last : 0;   // 0: no row kept
        if (File.Exists(EpochsPath)) KeepRows(EpochsPath, cells => cells.Length == 3 && long.TryParse(cells[1], out var s) && s <= step);
    }

    /// <summary>
    /// Rewrites a CSV file keeping its header and the whole rows (ended by a newline) whose cells <paramref name="keep"/>
    /// accepts; returns the kept lines, header first.
    /// </summary>
    static List<string> KeepRows(string path, Func<string[], bool> keep)
    {
        var text = File.ReadAllText(path);
        var lines = text.Split('\n').SkipLast(1).ToList();     // the part after the last newline is torn (or empty)
        if (lines.Count == 0) return [];
        var kept = lines.Take(1).Concat(lines.Skip(1).Where(l => keep(l.Split(',')))).ToList();
        AtomicFile.WriteAllText(path, string.Join("\n", kept) + "\n");
        return kept;
    }

    /// <summary>The seed's per-epoch D accuracy (2-D data): printed and logged to epochs.csv.</summary>
    public void LogEpoch(int epoch, double accuracy, Action<string> say)
    {
        if (!File.Exists(EpochsPath)) AtomicFile.WriteAllText(EpochsPath, "epoch,step,d_accuracy\n");
        File.AppendAllText(EpochsPath, $"{epoch},{lastStep},{accuracy.ToString("R", CultureInfo.InvariantCulture)}\n");
        say($"epoch {epoch}: D accuracy {accuracy:P1} (50% means D cannot tell real from generated)");
    }
}

