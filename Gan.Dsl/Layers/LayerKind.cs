using System.Reflection;
using Gan.Dsl.Binding;
using Gan.Dsl.Diagnostics;
using Gan.Dsl.Ir;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.Layers;

/// <summary>
/// One layer kind, described once: its signature (arguments, defaults, types), its one-line summary, how its
/// argument values are checked, its shape rule, its trainable-parameter rule and its lowering to an op. The binder
/// binds calls against <see cref="Signature"/>; the checker runs the rest; the registry is built from these.
/// </summary>
/// <param name="name">the name a spec calls it by.</param>
/// <param name="summary">one line for docs, hovers and completion.</param>
/// <param name="parameters">its arguments: names, types, defaults, positions.</param>
internal abstract class LayerKind(string name, string summary, IReadOnlyList<Param> parameters)
{
    public string Name => name;
    public string Summary => summary;
    public Signature Signature { get; } = new(name, parameters);

    /// <summary>
    /// Whether positional arguments name further input values (concat, add, mul): the layer then takes the current
    /// value followed by those values; every multi-input kind shares this path through binder, checker and IR.
    /// </summary>
    public virtual bool NamesInputs => false;

    /// <summary>
    /// Keyword arguments whose values name further input values (film's <c>by:</c>, modconv2d's <c>style:</c>): they follow
    /// the current value and any positional ones. The shape rule decides what each may be (a label, a flat vector).
    /// </summary>
    public virtual IReadOnlyList<string> ValueArgs => [];

    /// <summary>Whether the layer reads values besides the current one.</summary>
    public bool HasNamedInputs => NamesInputs || ValueArgs.Count > 0;

    /// <summary>Whether the layer accepts an integer label input (embedding).</summary>
    public virtual bool TakesLabel => false;

    /// <summary>The error for a label input, when the kind does not take one.</summary>
    public virtual ShapeError LabelError => new RankError("a float tensor, got an integer label; embed it first (embedding(K, dim))");

    /// <summary>The signature for one call: kinds with any number of positional values widen it to the call.</summary>
    public virtual Signature SignatureFor(IReadOnlyList<Argument> args) => Signature;

    /// <summary>Rewrites a call's arguments before binding (two positional sizes of linear mean in, out).</summary>
    public virtual IReadOnlyList<Argument> Prepare(IReadOnlyList<Argument> args) => args;

    /// <summary>Checks the argument values (ranges, choices) and resolves them; null after reporting.</summary>
    public abstract object? Configure(LayerArgs a);

    /// <summary>The shape rule: the output shape for these inputs, or a typed error.</summary>
    public abstract ShapeResult Shape(object config, IReadOnlyList<Operand> inputs);

    /// <summary>The trainable-parameter rule, for inputs the shape rule accepted.</summary>
    public abstract long Parameters(object config, IReadOnlyList<Operand> inputs);

    /// <summary>The op the backends build, for inputs the shape rule accepted.</summary>
    public abstract OpIr Lower(object config, IReadOnlyList<Operand> inputs);

    /// <summary>Warnings about suspicious but valid arguments, for a layer whose shape checked.</summary>
    public virtual void Lint(object config, LayerArgs a, LayerSyntax syntax) { }
}

/// <summary>A layer kind with a typed configuration (what <see cref="LayerKind.Configure"/> resolves).</summary>
internal abstract class LayerKind<TConfig>(string name, string summary, IReadOnlyList<Param> parameters)
    : LayerKind(name, summary, parameters) where TConfig : class
{
    public abstract override TConfig? Configure(LayerArgs a);
    public abstract ShapeResult Shape(TConfig c, Operand input);
    public abstract long Parameters(TConfig c, Operand input);
    public abstract OpIr Lower(TConfig c, Operand input);
    public virtual void Lint(TConfig c, LayerArgs a, LayerSyntax syntax) { }

    public sealed override ShapeResult Shape(object config, IReadOnlyList<Operand> inputs) => Shape((TConfig)config, inputs[0]);
    public sealed override long Parameters(object config, IReadOnlyList<Operand> inputs) => Parameters((TConfig)config, inputs[0]);
    public sealed override OpIr Lower(object config, IReadOnlyList<Operand> inputs) => Lower((TConfig)config, inputs[0]);
    public sealed override void Lint(object config, LayerArgs a, LayerSyntax syntax) => Lint((TConfig)config, a, syntax);
}

/// <summary>A layer kind whose configuration is its op (no input sizes needed to lower it); no parameters unless it says so.</summary>
internal abstract class OpLayerKind<TOp>(string name, string summary, IReadOnlyList<Param> parameters)
    : LayerKind<TOp>(name, summary, parameters) where TOp : OpIr
{
    public override long Parameters(TOp c, Operand input) => 0;
    public sealed override OpIr Lower(TOp c, Operand input) => c;
}

/// <summary>A layer without arguments: its op is fixed, and it has no parameters.</summary>
internal abstract class SimpleLayerKind(OpIr op, string summary) : OpLayerKind<OpIr>(op.OpName, summary, [])
{
    public override OpIr? Configure(LayerArgs a) => op;
}

/// <summary>
/// A layer call's bound arguments as <see cref="LayerKind.Configure"/> sees them, with the initialiser in force, and
/// helpers that report argument-value errors at the argument.
/// </summary>
internal sealed class LayerArgs(BoundArgs args, InitIr init, SourceText source, DiagnosticBag diagnostics)
{
    public InitIr Init => init;
    public SourceText Source => source;
    public DiagnosticBag Diagnostics => diagnostics;
    public string Callee => args.Callee;

    public bool Has(string name) => args.Has(name);
    public bool Given(string name) => args.Given(name);
    public Value? Get(string name) => args.Get(name);
    public TextSpan SpanOf(string name) => args.SpanOf(name);
    public int Int(string name) => args.Int(name);
    public double Num(string name) => args.Num(name);
    public bool Bool(string name) => args.Bool(name);

    /// <summary>Each named number, when present, must be positive (GAN0213 at the first that is not).</summary>
    public bool Positive(params string[] names)
    {
        foreach (var n in names)
            if (args.Get(n) is NumberValue v && v.Number <= 0)
            {
                diagnostics.ReportOutOfRange(source, args.SpanOf(n), $"{Callee}: '{n}'", $"must be positive, got {v.Show()}");
                return false;
            }
        return true;
    }

    /// <summary>Reports GAN0213 at an argument unless <paramref name="ok"/>; returns <paramref name="ok"/>.</summary>
    public bool Require(bool ok, string name, string what, string detail)
    {
        if (!ok) diagnostics.ReportOutOfRange(source, args.SpanOf(name), what, detail);
        return ok;
    }

    /// <summary>A symbol argument that must be one of <paramref name="choices"/> (GAN0203 with a suggestion otherwise).</summary>
    public string? Choice(string name, params string[] choices) => args.Choice(source, diagnostics, name, choices);
}

/// <summary>
/// Every layer kind, read from the static <see cref="LayerKind"/> fields of this assembly: adding a kind is adding its file.
/// </summary>
internal static class LayerRegistry
{
    public static readonly IReadOnlyDictionary<string, LayerKind> Kinds =
        typeof(LayerKind).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(LayerKind).Namespace)
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(f => typeof(LayerKind).IsAssignableFrom(f.FieldType) && f.IsInitOnly)
            .Select(f => (LayerKind)f.GetValue(null)!)
            .OrderBy(k => k.Name, StringComparer.Ordinal)
            .ToDictionary(k => k.Name);
}
