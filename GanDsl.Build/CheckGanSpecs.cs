using Gan.Dsl;
using Gan.Dsl.Diagnostics;
using Microsoft.Build.Framework;
using MSBuildTask = Microsoft.Build.Utilities.Task;

namespace GanDsl.Build;

/// <summary>
/// Checks GanDsl specs as <c>gan check</c> does and logs every diagnostic as an MSBuild error or warning, with its code
/// (<c>GAN0306</c>), the file's full path and the span's start and end (1-based lines and columns, the end column just
/// after the span). IDE error lists, <c>-warnaserror</c> and <c>MSBuildWarningsAsErrors</c> see them as any compiler's.
/// Never throws: a spec that cannot be read is a diagnostic, a malformed <see cref="Set"/> item is an error (GANB001).
/// </summary>
public sealed class CheckGanSpecs : MSBuildTask
{
    /// <summary>The specs to check (the <c>GanSpec</c> items).</summary>
    [Required]
    public ITaskItem[] Specs { get; set; } = [];

    /// <summary>The project root (<c>gan check --root</c>): files a spec names (<c>use</c>, <c>images</c>) must lie under it.
    /// Empty: each spec's own folder.</summary>
    public string? Root { get; set; }

    /// <summary>Param overrides, <c>name=value</c> each (<c>gan check --set</c>).</summary>
    public string[] Set { get; set; } = [];

    /// <summary>How many specs were checked (an output, for callers that want to report it).</summary>
    [Output]
    public int Checked { get; private set; }

    /// <summary>True when the specs gave neither an error nor a warning: only then may the build skip the next check. A
    /// warning must show again, and an out-of-process task cannot tell whether <c>-warnaserror</c> made it an error.</summary>
    [Output]
    public bool Clean { get; private set; }

    /// <summary>GAN0209, "a required item is missing": not reported for a library file (<see cref="GanSpec.IsLibrary"/>).</summary>
    const string MissingItem = "GAN0209";

    public override bool Execute()
    {
        var overrides = Overrides();
        if (overrides is null) return false;
        var root = string.IsNullOrWhiteSpace(Root) ? null : Root;
        int errors = 0, warnings = 0;
        foreach (var path in Paths())
        {
            GanSpec spec;
            try
            {
                spec = GanSpec.Load(path, overrides, root);
                // Params are set on the specs; a library's params are set through the specs that use it.
                if (spec.IsLibrary && overrides.Count > 0) spec = GanSpec.Load(path, null, root);
            }
            catch (Exception e)
            {
                // Gan.Dsl reports bad input as diagnostics; anything thrown is a bug in it, reported without a stack trace.
                Log.LogError(null, "GANB002", null, path, 0, 0, 0, 0,
                             "GanDsl failed while checking this spec ({0}: {1}); please report it with the spec attached",
                             e.GetType().Name, e.Message);
                errors++;
                continue;
            }
            Checked++;
            var diagnostics = spec.Diagnostics.AsEnumerable();
            if (spec.IsLibrary)
            {
                // A file of blocks and params for other specs' `use`: no header, data or network is expected of it.
                Log.LogMessage(MessageImportance.Normal,
                               "{0}: a library (only use, block and param items); its blocks are checked where a spec uses them", path);
                diagnostics = diagnostics.Where(d => d.Code != MissingItem);
            }
            foreach (var d in diagnostics)
            {
                Report(d);
                if (d.IsError) errors++; else warnings++;
            }
        }
        Log.LogMessage(MessageImportance.Normal, "GanCheck: {0} spec(s) checked, {1} error(s), {2} warning(s)", Checked, errors, warnings);
        Clean = errors == 0 && warnings == 0 && !Log.HasLoggedErrors;
        return !Log.HasLoggedErrors;
    }

    /// <summary>The specs' full paths, each once, in item order.</summary>
    IEnumerable<string> Paths()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in Specs)
        {
            var full = item.GetMetadata("FullPath");
            if (string.IsNullOrEmpty(full)) full = item.ItemSpec;
            if (seen.Add(full)) yield return full;
        }
    }

    /// <summary>The <see cref="Set"/> pairs as a dictionary, or null (after logging GANB001) when one is malformed or repeated.</summary>
    IReadOnlyDictionary<string, string>? Overrides()
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        bool ok = true;
        foreach (var pair in Set)
        {
            int eq = pair.IndexOf('=');
            var name = eq > 0 ? pair[..eq].Trim() : "";
            if (name.Length == 0)
            {
                Log.LogError(null, "GANB001", null, BuildEngine?.ProjectFileOfTaskNode, 0, 0, 0, 0,
                             "GanSpecSet item '{0}': expected name=value, e.g. lr=1e-4", pair);
                ok = false;
            }
            else if (d.TryGetValue(name, out var earlier))
            {
                Log.LogError(null, "GANB001", null, BuildEngine?.ProjectFileOfTaskNode, 0, 0, 0, 0,
                             "GanSpecSet item '{0}': '{1}' is already set to {2} by an earlier item; give each param once",
                             pair, name, earlier);
                ok = false;
            }
            else d[name] = pair[(eq + 1)..].Trim();
        }
        return ok ? d : null;
    }

    /// <summary>One diagnostic as an MSBuild error or warning at its span, in the file it comes from (a <c>use</c>d file's
    /// diagnostics point into that file).</summary>
    void Report(Diagnostic d)
    {
        var (line, col) = d.Position;
        var (endLine, endCol) = d.Source.LineCol(d.Span.End);
        var file = FullPath(d.Source.Path);
        if (d.IsError)
            Log.LogError(null, d.Code, null, file, line, col, endLine, endCol, "{0}", d.Message);
        else
            Log.LogWarning(null, d.Code, null, file, line, col, endLine, endCol, "{0}", d.Message);
    }

    static string FullPath(string path)
    {
        try { return Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { return path; }
    }
}
