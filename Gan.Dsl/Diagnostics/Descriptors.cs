using System.Reflection;
using static Gan.Dsl.Diagnostics.Severity;

namespace Gan.Dsl.Diagnostics;

/// <summary>Every diagnostic the compiler reports: one descriptor per finding, all message text in one place.</summary>
internal static class Descriptors
{
    static DiagnosticDescriptor E(string id, string title, string format) => new(id, Error, title, format);
    static DiagnosticDescriptor W(string id, string title, string format) => new(id, Warning, title, format);

    // ---- GAN01xx: lexing and parsing -------------------------------------------------------
    public static readonly DiagnosticDescriptor BadCharacter = E("GAN0101", "a character that cannot start a token",
        "unexpected character '{0}'; specs use letters, digits, _ and ( ) {{ }} [ ] , : ; . = + - * / \" #");
    public static readonly DiagnosticDescriptor BadNumber = E("GAN0102", "a malformed number",
        "'{0}' is not a number ({1}); write e.g. 128, 0.5 or 2e-4");
    public static readonly DiagnosticDescriptor UnterminatedString = E("GAN0103", "a string without its closing quote",
        "this string has no closing quote on its line; add \"");
    public static readonly DiagnosticDescriptor Expected = E("GAN0104", "the parser expected something else here",
        "expected {0}, found {1}");
    public static readonly DiagnosticDescriptor ExpectedItem = E("GAN0105", "a top-level item must start with an item keyword",
        "expected a top-level item ({0}), found {1}");
    public static readonly DiagnosticDescriptor TooDeep = E("GAN0106", "nesting deeper than the compiler's limit",
        "{0} nests deeper than {1} levels ({2}); {3}");
    public static readonly DiagnosticDescriptor TooManyStatements = E("GAN0107", "networks that expand past the compiler's size limit",
        "network {0} passes the limit of {1:N0} statements here, counted over all networks of the spec ({2}); "
        + "call fewer blocks inside blocks, or make the network smaller");

    // ---- GAN02xx: names, types and arguments ----------------------------------------------
    public static readonly DiagnosticDescriptor UnknownName = E("GAN0201", "an unknown name", "unknown {0} '{1}'{2}");
    public static readonly DiagnosticDescriptor UnknownNameInBlock = UnknownName with
    {
        MessageFormat = "unknown value '{0}' in block {1}: a block sees its parameters and its own names only; "
                        + "pass the value in as a parameter, e.g. block {1}(..., {0}: value)",
    };
    public static readonly DiagnosticDescriptor Duplicate = E("GAN0202", "a name defined twice",
        "{0} '{1}' is already defined at {2}; rename one of them");
    public static readonly DiagnosticDescriptor RepeatedItem = Duplicate with
    { MessageFormat = "a spec has one {0}, and it is already given at {1}; merge the two" };
    public static readonly DiagnosticDescriptor WrongType = E("GAN0203", "an argument or value of the wrong type",
        "{0} must be {1}, got {2}");
    public static readonly DiagnosticDescriptor BadChoice = WrongType with { MessageFormat = "{0} must be {1} or {2}, got {3}{4}" };
    public static readonly DiagnosticDescriptor Arity = E("GAN0204", "a missing or surplus argument", "{0}: {1}");
    public static readonly DiagnosticDescriptor UnknownKeyword = E("GAN0205", "an unknown keyword argument",
        "{0} has no argument '{1}'{2} ({3})");
    public static readonly DiagnosticDescriptor ArgumentTwice = E("GAN0206", "an argument given twice",
        "{0}: argument '{1}' is given twice");
    public static readonly DiagnosticDescriptor UnknownOverride = E("GAN0207", "a --set override names no param",
        "--set {0}=...: the spec has no param '{0}'{1}");
    public static readonly DiagnosticDescriptor OverrideType = E("GAN0208", "a --set override of the wrong type",
        "--set {0}={2}: param '{0}' is {1}, and '{2}' is not");
    public static readonly DiagnosticDescriptor MissingItem = E("GAN0209", "a required item is missing",
        "the spec has no {0}; add e.g. `{1}`");
    public static readonly DiagnosticDescriptor UseFailed = E("GAN0210", "a `use` file cannot be read", "cannot use \"{0}\": {1}");
    public static readonly DiagnosticDescriptor CannotRead = UseFailed with { MessageFormat = "cannot read the spec \"{0}\": {1}" };
    public static readonly DiagnosticDescriptor MustBeNamed = E("GAN0211", "an argument that must be given by keyword",
        "{0}: write '{1}:' before this value; {2}");
    public static readonly DiagnosticDescriptor RecursiveBlock = E("GAN0212", "a block that calls itself",
        "block '{0}' calls itself; blocks cannot recurse");
    public static readonly DiagnosticDescriptor OutOfRange = E("GAN0213", "a value outside its valid range", "{0} {1}");
    public static readonly DiagnosticDescriptor BlockNamedLikeLayer = E("GAN0214", "a block with the name of a built-in layer",
        "block '{0}' has the name of a built-in layer, which it would hide; rename the block (e.g. '{0}_block')");
    public static readonly DiagnosticDescriptor OutsideProject = E("GAN0215", "a path that is absolute or leads outside the project",
        "\"{0}\" is refused: {1}");

    // ---- GAN03xx: shapes --------------------------------------------------------------------
    public static readonly DiagnosticDescriptor LinearMismatch = E("GAN0301", "linear in-features do not match",
        "{0} expects {1} input features, got {2} from {3}");
    public static readonly DiagnosticDescriptor Rank = E("GAN0302", "a layer gets a tensor of the wrong rank", "{0} expects {1}");
    public static readonly DiagnosticDescriptor ReshapeCount = E("GAN0303", "reshape changes the element count",
        "reshape from {0} ({1} elements) to {2} ({3:0} elements) changes the element count");
    public static readonly DiagnosticDescriptor Concat = E("GAN0304", "concatenated values do not fit together", "{0}: {1}");
    public static readonly DiagnosticDescriptor Spatial = E("GAN0305",
        "a spatial size reaches zero or is not whole, or a layer cannot use the spatial size it gets", "{0}: {1}");
    public static readonly DiagnosticDescriptor HeadMismatch = E("GAN0306", "a network output does not fit the loss it feeds", "{0}: {1}");
    public static readonly DiagnosticDescriptor ApplyShape = E("GAN0307", "a network is applied to a value of the wrong shape",
        "{0} input '{1}' expects N×{2}, got N×{3}");
    public static readonly DiagnosticDescriptor OutputChoice = E("GAN0308", "a network has no output, or several and none chosen",
        "network {0}: {1}");
    public static readonly DiagnosticDescriptor TooLarge = E("GAN0309", "a tensor with more elements per sample than fit in 32 bits",
        "{0}: {1}");
    public static readonly DiagnosticDescriptor ResidualMismatch = E("GAN0310", "residual branches do not fit",
        "the residual's main branch gives {0} but its shortcut gives {1}; the two are added, so their shapes must be equal: {2}");

    // ---- GAN04xx: losses ----------------------------------------------------------------------
    public static readonly DiagnosticDescriptor Unreachable = E("GAN0401", "an optimiser's loss cannot reach its network's parameters",
        "optimiser {0} updates {1}, but loss '{2}' never applies {1} outside detach(...), so its gradient is zero; "
        + "minimise a loss that uses {1}");
    public static readonly DiagnosticDescriptor GeneratorUpdatesD = E("GAN0402", "a generator loss would update the discriminator",
        "optimiser {0} minimises a loss that rewards {1} for being fooled by {2}, and it updates {1} too; let it update only {2}");
    public static readonly DiagnosticDescriptor MissingDetach = W("GAN0403", "a discriminator loss uses G's output without detach",
        "optimiser {0} does not update {1}, but its loss backpropagates into {1} here; write detach({1}(...))");
    public static readonly DiagnosticDescriptor DoubleSigmoid = E("GAN0404", "bce_logits after a sigmoid: the double-sigmoid bug",
        "bce_logits expects logits, but {0}.{1} ends in sigmoid (the double-sigmoid bug); use bce(...) or drop the sigmoid");
    public static readonly DiagnosticDescriptor BceOnLogits = E("GAN0405", "bce on values that are not probabilities",
        "bce expects probabilities, but {0}.{1} does not end in sigmoid; use bce_logits(...) or add sigmoid");
    public static readonly DiagnosticDescriptor BceWithPenalty = W("GAN0406", "BCE combined with a gradient penalty",
        "optimiser {0} combines a BCE loss with a gradient penalty; WGAN-GP pairs the penalty with the Wasserstein loss "
        + "(acknowledge a deliberate choice with `quirks: [\"bce_gp\"]` in schedule)");
    public static readonly DiagnosticDescriptor BatchNormInCritic = W("GAN0407", "BatchNorm in a critic that has a gradient penalty",
        "{0} has BatchNorm and a gradient penalty: the penalty is per sample, BatchNorm mixes samples; use layernorm or none "
        + "(acknowledge with `quirks: [\"bn_gp\"]` in schedule)");
    public static readonly DiagnosticDescriptor LossKind = E("GAN0408", "a loss term of the wrong kind", "{0}");
    public static readonly DiagnosticDescriptor LossCycle = E("GAN0409", "losses that refer to each other in a cycle",
        "loss '{0}' refers to itself through other losses");

    // ---- GAN05xx: optimisers, schedule, sampling -----------------------------------------------
    public static readonly DiagnosticDescriptor Schedule = E("GAN0501", "a schedule that cannot run", "schedule: {0}");
    public static readonly DiagnosticDescriptor NeverStepped = W("GAN0502", "an optimiser that the schedule never steps",
        "optimiser {0} is never stepped; add it to the schedule's order");
    public static readonly DiagnosticDescriptor Sampling = E("GAN0503", "sampling that the spec cannot provide", "sample: {0}");
    public static readonly DiagnosticDescriptor Ema = E("GAN0504", "an EMA copy that cannot be kept", "schedule: ema: {0}");

    // ---- GAN06xx: lints and quirks -------------------------------------------------------------
    public static readonly DiagnosticDescriptor EpsLikeMomentum = W("GAN0601", "a batchnorm eps that looks like a momentum",
        "batchnorm eps {0} is large: it reads like a momentum (PyTorch's BatchNorm1d(n, 0.8) passes 0.8 as eps); "
        + "if you mean it, acknowledge it with quirk \"...\" after the layer");
    public static readonly DiagnosticDescriptor UnusedNetwork = W("GAN0602", "a network that no loss uses",
        "network {0} is never used by a loss");
    public static readonly DiagnosticDescriptor UnusedLatent = W("GAN0603", "a latent part that no loss uses",
        "latent part '{0}' is never used");
    public static readonly DiagnosticDescriptor AbsurdSize = E("GAN0604", "an absurd total parameter count",
        "the networks have {0} parameters in total, over the limit of {1:N0}; check the layer sizes");
    public static readonly DiagnosticDescriptor UnusedLoss = W("GAN0605", "a loss that no optimiser minimises",
        "loss '{0}' is neither minimised nor used by another loss");
    public static readonly DiagnosticDescriptor PartOrder = W("GAN0606", "latent parts concatenated in different orders",
        "{0} gets its latent parts in the order ({1}) here but ({2}) elsewhere; the concatenated input differs, "
        + "so use one order everywhere");
    public static readonly DiagnosticDescriptor MomentumLikeDecay = W("GAN0607", "a batchnorm momentum that looks like a TF/Keras decay",
        "batchnorm momentum {0} is PyTorch's (the weight of each new batch), but it reads like a TF/Keras momentum, which is a decay; "
        + "for Keras' momentum={0} write decay: {0} (momentum = 1 − decay), "
        + "or acknowledge it with quirk \"...\"");
    public static readonly DiagnosticDescriptor CriticSigmoid = W("GAN0608",
        "a Wasserstein, hinge or relativistic loss on a sigmoid output",
        "{0} reads the critic's raw score, but {1}.{2} ends in sigmoid, which squashes it into (0, 1); drop the sigmoid");

    /// <summary>
    /// Every descriptor, read from the fields above (by the meta-tests: docs and golden coverage). A property, so that
    /// compiling a spec never pays for the reflection.
    /// </summary>
    public static IReadOnlyList<DiagnosticDescriptor> All =>
        [.. typeof(Descriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor)).Select(f => (DiagnosticDescriptor)f.GetValue(null)!)];
}
