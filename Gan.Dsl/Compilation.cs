using Gan.Dsl.Binding;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl;

/// <summary>The result of compiling one spec: the IR when there are no errors, every diagnostic, and the layer tables.</summary>
public sealed record CompileResult(ModelIr? Ir, IReadOnlyList<Diagnostic> Diagnostics, IReadOnlyDictionary<string, IReadOnlyList<LayerRow>> Layers,
                                   SpecSyntax Syntax)
{
    public bool HasErrors => Diagnostics.Any(d => d.IsError);
    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.IsError);
    public IEnumerable<Diagnostic> Warnings => Diagnostics.Where(d => !d.IsError);
}

/// <summary>
/// The compiler's entry point: text → tokens → syntax tree → bound model with shapes → loss checks →
/// IR. Never throws on user input; every problem is a diagnostic.
/// </summary>
public static class Compilation
{
    /// <summary>Compiles spec text. <paramref name="overrides"/> are <c>--set name=value</c> pairs.</summary>
    public static CompileResult Compile(string path, string text, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var diagnostics = new DiagnosticBag();
        var source = new SourceText(path, text);
        var syntax = Parser.Parse(source, diagnostics);
        var usedBlocks = new List<BlockSyntax>();
        var usedParams = new List<ParamSyntax>();
        LoadUses(syntax, diagnostics, usedBlocks, usedParams, [Full(path)]);
        if (diagnostics.HasErrors)
            return new CompileResult(null, Sorted(diagnostics), new Dictionary<string, IReadOnlyList<LayerRow>>(), syntax);
        var bound = new Binder(syntax, diagnostics).Bind(overrides ?? new Dictionary<string, string>(), usedBlocks, usedParams);
        return new CompileResult(diagnostics.HasErrors ? null : bound.Ir, Sorted(diagnostics), bound.Layers, syntax);
    }

    /// <summary>Reads and compiles a spec file. A missing file is reported as a diagnostic, not thrown.</summary>
    public static CompileResult CompileFile(string path, IReadOnlyDictionary<string, string>? overrides = null)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var diagnostics = new DiagnosticBag();
            var empty = new SourceText(path, "");
            diagnostics.ReportCannotRead(empty, path, e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message);
            return new CompileResult(null, [.. diagnostics], new Dictionary<string, IReadOnlyList<LayerRow>>(), new SpecSyntax(empty, []));
        }
        return Compile(path, text, overrides);
    }

    /// <summary>A used file's path as diagnostics show it: relative to the working folder when inside it.</summary>
    static string Display(string full)
    {
        try
        {
            var relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
            return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative;
        }
        catch (Exception) { return full; }
    }

    static string Full(string p) { try { return Path.GetFullPath(p); } catch (Exception) { return p; } }

    /// <summary>Follows <c>use "file.gan"</c> items (relative to the using file), collecting their blocks and params.</summary>
    static void LoadUses(SpecSyntax syntax, DiagnosticBag diagnostics, List<BlockSyntax> blocks, List<ParamSyntax> parameters, HashSet<string> seen)
    {
        foreach (var use in syntax.Items.OfType<UseSyntax>())
        {
            var dir = Path.GetDirectoryName(Full(syntax.Source.Path)) ?? ".";
            var target = Full(Path.Combine(dir, use.Path.Text));
            if (!seen.Add(target)) continue;
            string text;
            try { text = File.ReadAllText(target); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                diagnostics.ReportUseFailed(syntax.Source, use.Path.Span, use.Path.Text, e is FileNotFoundException or DirectoryNotFoundException ? $"no such file ({target})" : e.Message);
                continue;
            }
            var used = Parser.Parse(new SourceText(Display(target), text), diagnostics);
            foreach (var item in used.Items)
            {
                switch (item)
                {
                    case BlockSyntax b: blocks.Add(b); break;
                    case ParamSyntax p: parameters.Add(p); break;
                    case UseSyntax: break;
                    default:
                        diagnostics.ReportUseFailed(syntax.Source, use.Path.Span, use.Path.Text, "a used file may hold only block, param and use items");
                        break;
                }
            }
            LoadUses(used, diagnostics, blocks, parameters, seen);
        }
    }

    static List<Diagnostic> Sorted(DiagnosticBag bag) =>
        [.. bag.OrderBy(d => d.Source.Path, StringComparer.Ordinal).ThenBy(d => d.Span.Start).ThenBy(d => d.Code, StringComparer.Ordinal)];
}
