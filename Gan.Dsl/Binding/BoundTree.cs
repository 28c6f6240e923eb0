using System.Collections.Immutable;
using Gan.Dsl.Ir;
using Gan.Dsl.Layers;
using Gan.Dsl.Losses;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.Binding;

/// <summary>
/// A spec after binding: every name resolved, every argument evaluated and bound to its signature, blocks
/// expanded and <c>if</c>s decided. Each node keeps its syntax (and the file it came from), so the checker, the
/// lowering and an editor read positions from the nodes themselves. Shapes and types are the checker's job.
/// </summary>
internal sealed record BoundSpec(
    SpecSyntax Syntax,
    HeaderSyntax? Header,
    IReadOnlyDictionary<string, Value> Params,
    BoundData? Data,
    ImmutableArray<BoundLatent> Latents,
    ImmutableArray<BoundNetwork> Networks,
    ImmutableArray<BoundLoss> Losses,
    ImmutableArray<BoundOptimizer> Optimizers,
    BoundSchedule? Schedule,
    BoundSampling? Sampling,
    ImmutableArray<UsedFileIr> UsedFiles)
{
    public SourceText Source => Syntax.Source;

    /// <summary>
    /// The first application of <paramref name="network"/> in the losses (in order, parents first): its arguments say which
    /// latent parts feed it when it is sampled.
    /// </summary>
    public BoundApply? FirstApplication(string network) =>
        Losses.Where(l => !l.Failed).SelectMany(l => l.Expr.PreOrder()).OfType<BoundApply>().FirstOrDefault(a => a.Network == network);
}

internal sealed record BoundData(DataSyntax Syntax, DataIr Ir);

internal sealed record BoundLatent(LatentSyntax Syntax, LatentIr Ir)
{
    public string Name => Ir.Name;
}

// ---- networks ---------------------------------------------------------------------------------

/// <summary>
/// A network: its inputs (empty when one failed to bind, and then no body) and its body, in order. <see cref="Failed"/>
/// when binding it reported an error: its uses are then not checked (no cascade).
/// </summary>
internal sealed record BoundNetwork(NetworkSyntax Syntax, SourceText Source, ImmutableArray<BoundInput> Inputs,
                                   ImmutableArray<BoundStatement> Body, bool Failed)
{
    public string Name => Syntax.Name.Text;
}

internal sealed record BoundInput(ParameterSyntax Syntax, InputIr Ir);

/// <summary>A statement of a network body; <see cref="Source"/> is the file it was written in (a used file's block).</summary>
internal abstract record BoundStatement(SourceText Source);

/// <summary>
/// A layer call: its kind and bound arguments. <see cref="Inputs"/> names the further values of a multi-input kind
/// (concat), which follow the current value.
/// </summary>
internal sealed record BoundLayer(LayerSyntax Syntax, SourceText Source, LayerKind Kind, BoundArgs Args, ImmutableArray<string> Inputs)
    : BoundStatement(Source);

/// <summary>A layer or block call that did not bind (reported): the current value is unknown after it.</summary>
internal sealed record BoundInvalid(LayerSyntax Syntax, SourceText Source) : BoundStatement(Source);

/// <summary>
/// A block call, expanded: the block's statements with its arguments in scope. The body is a scope of its own: it sees
/// its <c>value</c> parameters, each an alias of the caller's value named in <see cref="Values"/> (parameter, caller's
/// name), and its own names, which do not leak out (so a block with a <c>let</c> can be called many times).
/// </summary>
internal sealed record BoundBlockCall(LayerSyntax Syntax, SourceText Source, BlockSyntax Block, ImmutableArray<BoundStatement> Body,
                                      ImmutableArray<(string Param, string Caller)> Values)
    : BoundStatement(Source);

/// <summary>
/// <c>residual { MAIN } shortcut { SC }</c>: both branches start from the current value; <see cref="Shortcut"/> is null for
/// the identity. Each branch sees the names around it; the names it binds are its own.
/// </summary>
internal sealed record BoundResidual(ResidualSyntax Syntax, SourceText Source, ImmutableArray<BoundStatement> Main,
                                     ImmutableArray<BoundStatement>? Shortcut, bool Failed = false) : BoundStatement(Source);

/// <summary>An <c>if</c> whose condition was evaluated: <see cref="Body"/> is the branch taken (empty after an error).</summary>
internal sealed record BoundIf(IfSyntax Syntax, SourceText Source, ImmutableArray<BoundStatement> Body) : BoundStatement(Source);

internal sealed record BoundLet(LetSyntax Syntax, SourceText Source) : BoundStatement(Source);

/// <summary><c>from NAME</c>; <see cref="Resolved"/> is false when the name was unknown (reported).</summary>
internal sealed record BoundFrom(FromSyntax Syntax, SourceText Source, bool Resolved) : BoundStatement(Source);

internal sealed record BoundOutput(OutputSyntax Syntax, SourceText Source) : BoundStatement(Source);

/// <summary><c>init FORMULA</c>; <see cref="Init"/> is null when the formula had an error (reported).</summary>
internal sealed record BoundInit(InitSyntax Syntax, SourceText Source, InitIr? Init) : BoundStatement(Source);

// ---- losses -------------------------------------------------------------------------------------

/// <summary>A named loss; <see cref="Failed"/> when part of it did not bind (reported).</summary>
internal sealed record BoundLoss(LossSyntax Syntax, BoundExpr Expr)
{
    public string Name => Syntax.Name.Text;
    public bool Failed => Expr.HasErrors;
}

/// <summary>
/// A loss expression node. <see cref="Children"/> serves every walk over loss expressions. A part that did not bind
/// is a <see cref="BoundError"/> (or a call that is not <c>Complete</c>): the checker still checks what did bind
/// around it, and stays quiet about the rest.
/// </summary>
internal abstract record BoundExpr(ExpressionSyntax Syntax)
{
    public TextSpan Span => Syntax.Span;
    public abstract IEnumerable<BoundExpr> Children { get; }

    /// <summary>This node and all its descendants, parents before children, left to right (loss references not followed).</summary>
    public IEnumerable<BoundExpr> PreOrder() => Children.SelectMany(c => c.PreOrder()).Prepend(this);
    public virtual bool HasErrors => Children.Any(c => c.HasErrors);
}

/// <summary>An expression that did not bind (reported, or quiet for a name whose definition failed).</summary>
internal sealed record BoundError(ExpressionSyntax Syntax) : BoundExpr(Syntax)
{
    public override IEnumerable<BoundExpr> Children => [];
    public override bool HasErrors => true;
}

/// <summary>A number: a literal, or a numeric param.</summary>
internal sealed record BoundNumber(ExpressionSyntax Syntax, double Value) : BoundExpr(Syntax)
{ public override IEnumerable<BoundExpr> Children => []; }

/// <summary>−x, or +x (which is x).</summary>
internal sealed record BoundUnary(UnarySyntax Node, BoundExpr Operand) : BoundExpr(Node)
{
    public bool Negates => Node.Operator.Kind == TokenKind.Minus;
    public override IEnumerable<BoundExpr> Children => [Operand];
}

internal sealed record BoundBinary(BinarySyntax Node, BinaryOp Op, BoundExpr Left, BoundExpr Right) : BoundExpr(Node)
{ public override IEnumerable<BoundExpr> Children => [Left, Right]; }

/// <summary><c>real</c>: the data batch, of the data's sample shape.</summary>
internal sealed record BoundReal(ExpressionSyntax Syntax, ImmutableArray<int> Shape) : BoundExpr(Syntax)
{ public override IEnumerable<BoundExpr> Children => []; }

/// <summary><c>labels</c>: the batch's class indices.</summary>
internal sealed record BoundLabels(ExpressionSyntax Syntax, int Classes) : BoundExpr(Syntax)
{ public override IEnumerable<BoundExpr> Children => []; }

internal sealed record BoundLatentRef(ExpressionSyntax Syntax, LatentIr Latent) : BoundExpr(Syntax)
{ public override IEnumerable<BoundExpr> Children => []; }

internal sealed record BoundLossRef(ExpressionSyntax Syntax, string Name) : BoundExpr(Syntax)
{ public override IEnumerable<BoundExpr> Children => []; }

/// <summary>A network's bare name (not applied): a value of no use in a loss, which the checker reports where it matters.</summary>
internal sealed record BoundNetworkRef(ExpressionSyntax Syntax, string Network) : BoundExpr(Syntax)
{ public override IEnumerable<BoundExpr> Children => []; }

/// <summary>
/// <c>NET(args)</c> or <c>NET(args).output</c>: <see cref="Call"/> is the application, <see cref="Output"/> the
/// selected output (null: the network's only one). Not <see cref="Complete"/> when an argument did not bind: Args
/// are those before it.
/// </summary>
internal sealed record BoundApply(ExpressionSyntax Syntax, CallSyntax Call, string Network, ImmutableArray<BoundExpr> Args, Token? Output,
                                  bool Complete = true) : BoundExpr(Syntax)
{
    public override IEnumerable<BoundExpr> Children => Args;
    public override bool HasErrors => !Complete || base.HasErrors;
}

internal sealed record BoundDetach(CallSyntax Call, BoundExpr Operand) : BoundExpr(Call)
{ public override IEnumerable<BoundExpr> Children => [Operand]; }

/// <summary><c>augment(x, policy, ...)</c>: differentiable augmentation of an image batch, policies in order.</summary>
internal sealed record BoundAugment(CallSyntax Call, BoundExpr Operand, ImmutableArray<AugmentPolicyIr> Policies) : BoundExpr(Call)
{ public override IEnumerable<BoundExpr> Children => [Operand]; }

/// <summary>A loss primitive applied; not <see cref="Complete"/> when an argument did not bind (Args are those before it).</summary>
internal sealed record BoundPrimitive(CallSyntax Call, LossPrimitive Primitive, ImmutableArray<BoundExpr> Args, bool Complete = true)
    : BoundExpr(Call)
{
    public override IEnumerable<BoundExpr> Children => Args;
    public override bool HasErrors => !Complete || base.HasErrors;
}

/// <summary>
/// <c>gradient_penalty(D, real: …, fake: …, target: 1, weight: 10)</c> or <c>r1(D, real: …, gamma: 10)</c>
/// (<see cref="IsR1"/>, no <see cref="Fake"/>); <see cref="OutputName"/> is the <c>output:</c> argument, when given. Not
/// <see cref="Complete"/> when an argument did not bind (a tensor stops there; a number after them).
/// </summary>
internal sealed record BoundPenalty(CallSyntax Call, string Network, bool IsR1, ExpressionSyntax? OutputName, BoundExpr Real,
                                    BoundExpr? Fake, double Target, double Weight, double Gamma, bool Complete = true) : BoundExpr(Call)
{
    public override IEnumerable<BoundExpr> Children => Fake is null ? [Real] : [Real, Fake];
    public override bool HasErrors => !Complete || base.HasErrors;
}

// ---- training -----------------------------------------------------------------------------------

internal sealed record BoundOptimizer(OptimizerSyntax Syntax, OptimizerIr Ir)
{
    public string Name => Ir.Name;
}

/// <summary>The schedule block, bound; <see cref="Quirks"/> are the acknowledged lints.</summary>
internal sealed record BoundSchedule(SettingsSyntax Syntax, ScheduleIr Ir, IReadOnlySet<string> Quirks)
{
    /// <summary>The schedule's <c>augment: [D, ...]</c>, which lowering applies to every application of D; null: none.</summary>
    public ScheduleAugmentIr? Augment { get; init; }
}

/// <summary>
/// The sample block (<see cref="Syntax"/> null: none, so the checker picks the generator). <see cref="Generator"/> is
/// the network it names at <see cref="GeneratorSpan"/>; <see cref="Ir"/> is null when another setting had an error.
/// </summary>
internal sealed record BoundSampling(SettingsSyntax? Syntax, SamplingIr? Ir, string? Generator, TextSpan GeneratorSpan);
