using System.Collections.Immutable;
using Gan.Dsl.Binding;
using Gan.Dsl.Checking;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Dsl.Lowering;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl;

/// <summary>
/// The result of compiling one spec: every diagnostic, the syntax tree, the checked spec (with its bound tree, when the
/// spec parsed), and the IR when there are no errors.
/// </summary>
internal sealed record CompileResult(ModelIr? Ir, IReadOnlyList<Diagnostic> Diagnostics, SpecSyntax Syntax, CheckedSpec? Checked = null)
{
    public bool HasErrors => Diagnostics.Any(d => d.IsError);
    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.IsError);
    public IEnumerable<Diagnostic> Warnings => Diagnostics.Where(d => !d.IsError);

    /// <summary>A library of blocks: only <c>use</c>, <c>block</c> and <c>param</c> items, made to be used by specs.</summary>
    public bool IsLibrary => Syntax.Items.Count > 0 && Syntax.Items.All(i => i is UseSyntax or BlockSyntax or ParamSyntax);
}

/// <summary>
/// The compiler's pipeline: text → syntax (Parser) → bound tree (Binder) → checked (Checker: shapes, losses, lints)
/// → IR (Lowerer). Never throws on user input; every problem is a diagnostic.
/// </summary>
internal static class Compilation
{
    /// <summary>
    /// Compiles spec text. <paramref name="overrides"/> are <c>--set name=value</c> pairs; <paramref name="root"/> is the folder
    /// the spec may name files in (<see cref="ProjectRoot"/>; default: the spec's folder).
    /// <paramref name="read"/> (an editor's open buffers) gives a used file's text by full path, or null to read it from disk.
    /// </summary>
    public static CompileResult Compile(string path, string text, IReadOnlyDictionary<string, string>? overrides = null,
                                        string? root = null, Func<string, string?>? read = null)
    {
        var diagnostics = new DiagnosticBag();
        var source = new SourceText(path, text);
        var syntax = Parser.Parse(source, diagnostics);
        var project = ProjectRoot.For(path, root);
        var uses = new Uses(project, read);
        var full = Full(path);
        uses.Load(syntax, diagnostics, Path.GetDirectoryName(full) ?? ".", [full]);
        if (diagnostics.HasErrors) return new CompileResult(null, Sorted(diagnostics), syntax);
        var bound = new Binder(syntax, diagnostics, project).Bind(overrides ?? new Dictionary<string, string>(), uses.Blocks, uses.Params,
                                                         [.. uses.Files]);
        var check = Checker.Check(bound, diagnostics);
        var ir = diagnostics.HasErrors ? null : Lowerer.Lower(check) with { Overrides = Recorded(overrides) };
        return new CompileResult(ir, Sorted(diagnostics), syntax, check);
    }

    /// <summary>Reads and compiles a spec file. A missing file is reported as a diagnostic, not thrown.</summary>
    public static CompileResult CompileFile(string path, IReadOnlyDictionary<string, string>? overrides = null, string? root = null)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var diagnostics = new DiagnosticBag();
            var empty = new SourceText(path, "");
            diagnostics.ReportCannotRead(empty, path,
                                         e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message);
            return new CompileResult(null, [.. diagnostics], new SpecSyntax(empty, []));
        }
        return Compile(path, text, overrides, root);
    }

    static ImmutableSortedDictionary<string, string> Recorded(IReadOnlyDictionary<string, string>? overrides) =>
        (overrides ?? new Dictionary<string, string>()).ToImmutableSortedDictionary(StringComparer.Ordinal);

    static string Full(string p) { try { return Path.GetFullPath(p); } catch (Exception) { return p; } }

    /// <summary>The blocks and params of the files a spec `use`s, recursively, and the files themselves.</summary>
    sealed class Uses(ProjectRoot project, Func<string, string?>? read)
    {
        public List<BlockSyntax> Blocks { get; } = [];
        public List<ParamSyntax> Params { get; } = [];
        public List<UsedFileIr> Files { get; } = [];

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

        /// <summary>Follows <c>use "file.gan"</c> items (relative to the using file), collecting their blocks and params.</summary>
        /// <remarks><paramref name="depth"/>: files using files so far, capped like every nesting (GAN0106).</remarks>
        public void Load(SpecSyntax syntax, DiagnosticBag diagnostics, string specDir, HashSet<string> seen, int depth = 0)
        {
            var dir = Path.GetDirectoryName(Full(syntax.Source.Path)) ?? ".";
            foreach (var use in syntax.Items.OfType<UseSyntax>())
            {
                if (depth >= Nesting.MaxDepth)
                {
                    diagnostics.ReportTooDeep(syntax.Source, use.Path.Span, "this `use`", Nesting.MaxDepth,
                                              "each file a used file uses counts one", "use the inner files from the spec directly");
                    return;
                }
                // Only .gan files under the project root are read: a spec cannot make the tool print other files' lines.
                var target = project.Resolve(dir, use.Path.Text, out var refused);
                if (target is not null && !target.EndsWith(".gan", StringComparison.Ordinal))
                    (target, refused) = (null, "only .gan specs can be used");
                if (target is null)
                {
                    diagnostics.ReportOutsideProject(syntax.Source, use.Path.Span, use.Path.Text, refused);
                    continue;
                }
                if (!seen.Add(target)) continue;
                string text;
                try { text = read?.Invoke(target) ?? File.ReadAllText(target); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
                {
                    diagnostics.ReportUseFailed(syntax.Source, use.Path.Span, use.Path.Text,
                                                e is FileNotFoundException or DirectoryNotFoundException
                                                    ? $"no such file ({target})"
                                                    : e.Message);
                    continue;
                }
                Files.Add(new UsedFileIr(Path.GetRelativePath(specDir, target), text));
                var used = Parser.Parse(new SourceText(Display(target), text), diagnostics);
                foreach (var item in used.Items)
                {
                    switch (item)
                    {
                        case BlockSyntax b: Blocks.Add(b); break;
                        case ParamSyntax p: Params.Add(p); break;
                        case UseSyntax: break;
                        default:
                            diagnostics.ReportUseFailed(syntax.Source, use.Path.Span, use.Path.Text,
                                                        "a used file may hold only block, param and use items");
                            break;
                    }
                }
                Load(used, diagnostics, specDir, seen, depth + 1);
            }
        }
    }

    static List<Diagnostic> Sorted(DiagnosticBag bag) =>
        [.. bag.OrderBy(d => d.Source.Path, StringComparer.Ordinal).ThenBy(d => d.Span.Start).ThenBy(d => d.Code, StringComparer.Ordinal)];
}
