using Gan.Dsl.Diagnostics;
using Gan.Dsl.Formatting;
using Gan.Dsl.Ir;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl;

/// <summary>A layer of a checked network: its node name, kind, output shape, trainable parameters and position.</summary>
public sealed record LayerSummary(string Name, string Kind, string Shape, long Parameters, string Path, int Line, int Column);

/// <summary>
/// A checked network: its inputs (<c>z: N×100</c>, <c>y: label(10)</c>), layers, named outputs (output → node) and parameter total.
/// </summary>
public sealed record NetworkSummary(string Name, IReadOnlyList<string> Inputs, IReadOnlyList<LayerSummary> Layers,
                                    IReadOnlyList<KeyValuePair<string, string>> Outputs, long Parameters);

/// <summary>
/// The canonical text of a spec (and whether it differs from the input), or the syntax errors that prevent formatting it.
/// </summary>
public sealed record FormatResult(string? Text, IReadOnlyList<Diagnostic> Diagnostics, bool Changed);

/// <summary>
/// A compiled spec, the public face of Gan.Dsl: its diagnostics (never an exception for a bad spec) and, for the
/// networks that checked, their layers, shapes and parameter counts. <c>GanModel</c> in Gan.Runtime trains one.
/// </summary>
public sealed class GanSpec
{
    internal CompileResult Result { get; }

    GanSpec(CompileResult result) => Result = result;

    /// <summary>
    /// Compiles spec text; <paramref name="overrides"/> are <c>--set name=value</c> pairs. The files the spec names
    /// (<c>use</c>, <c>images(path)</c>) must be relative and lie under <paramref name="root"/> (default: the spec's folder).
    /// </summary>
    public static GanSpec Compile(string path, string text, IReadOnlyDictionary<string, string>? overrides = null, string? root = null) =>
        new(Compilation.Compile(path, text, overrides, root));

    /// <summary>Reads and compiles a spec file (as <see cref="Compile"/>); a missing or unreadable file is a diagnostic.</summary>
    public static GanSpec Load(string path, IReadOnlyDictionary<string, string>? overrides = null, string? root = null) =>
        new(Compilation.CompileFile(path, overrides, root));

    public string Path => Result.Syntax.Source.Path;
    public IReadOnlyList<Diagnostic> Diagnostics => Result.Diagnostics;
    public bool HasErrors => Result.HasErrors;
    public IEnumerable<Diagnostic> Errors => Result.Errors;
    public IEnumerable<Diagnostic> Warnings => Result.Warnings;

    /// <summary>
    /// True when the file holds nothing but <c>use</c>, <c>block</c> and <c>param</c> items (at least one): a library that
    /// other specs <c>use</c>, not a spec of its own. Its "missing item" errors (GAN0209: no header, data, network, ...) say
    /// nothing useful then; its blocks are checked where a spec expands them.
    /// </summary>
    public bool IsLibrary => Result.IsLibrary;

    /// <summary>The spec's name (its header), once it compiled.</summary>
    public string? Name => Result.Ir?.Name;

    internal ModelIr? Ir => Result.Ir;

    IReadOnlyList<NetworkSummary>? networks;

    /// <summary>The networks that checked, in the order the spec declares them (computed once).</summary>
    public IReadOnlyList<NetworkSummary> Networks => networks ??=
        Result.Checked is not { } c ? [] :
        [.. c.Valid.Select(n => new NetworkSummary(
            n.Name,
            [.. n.Inputs.Select(i =>
                $"{i.Ir.Name}: {(i.Ir.Kind == InputKind.Label ? $"label({i.Ir.Classes})" : Layers.Shape.Show(i.Ir.Shape))}")],
            [.. n.Nodes.Select(x =>
            {
                var (line, col) = x.Source.LineCol(x.Span.Start);
                return new LayerSummary(x.Name, x.Kind.Name, Layers.Shape.Show(x.Shape), x.Parameters, x.Source.Path, line, col);
            })],
            [.. n.Outputs.OrderBy(kv => kv.Value).Select(kv => KeyValuePair.Create(kv.Key, n.Nodes[kv.Value].Name))],
            n.Parameters))];

    /// <summary>The EMA copies the schedule keeps (<c>ema:</c>): copy name (e.g. G_ema) → the network it averages. Never
    /// trained, not counted in <see cref="NetworkSummary.Parameters"/>.</summary>
    public IReadOnlyDictionary<string, string> EmaCopies =>
        Result.Ir?.Schedule.Emas.ToDictionary(e => e.Name, e => e.Network) ?? new Dictionary<string, string>();

    /// <summary>
    /// The spec as self-contained PyTorch (1.13 and 2.x), file name → text: model.py (one nn.Module per network, state_dict keys
    /// as <c>gan export</c> names them), train.py (the training, torchrun-ready) and the modules both import, safetensors_io.py
    /// and check.py; empty when the spec has errors.
    /// </summary>
    public IReadOnlyDictionary<string, string> EmitPyTorch() =>
        Result.Ir is { } ir && !HasErrors ? Emit.PyTorch.PyTorchEmitter.Emit(ir) : new Dictionary<string, string>();

    /// <summary>Formats spec text canonically (comments kept); null text when it has syntax errors.</summary>
    public static FormatResult Format(string path, string text)
    {
        var bag = new DiagnosticBag();
        var syntax = Parser.Parse(new SourceText(path, text), bag);
        if (bag.HasErrors) return new FormatResult(null, [.. bag], false);
        var formatted = Formatter.Format(syntax);
        return new FormatResult(formatted, [], formatted != text);
    }
}
