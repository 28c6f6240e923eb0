using System.Reflection;
using Gan.Dsl.Ir;
using TorchSharp;
using static TorchSharp.torch;

namespace Gan.Runtime.Model.Layers;

/// <summary>
/// Builds the module of one op type. Each module kind has its file in this folder with its builder; the registry
/// finds them all, so a new layer kind touches its descriptor (Gan.Dsl/Layers) and its module file, nothing else.
/// A built module is a <c>Module&lt;Tensor, Tensor&gt;</c>, or a <c>Module&lt;Tensor[], Tensor&gt;</c> for an op with
/// several inputs.
/// </summary>
internal abstract class LayerBuilder
{
    public abstract Type OpType { get; }
    public abstract nn.Module Build(string name, OpIr op);

    static readonly Dictionary<Type, LayerBuilder> Builders =
        typeof(LayerBuilder).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(LayerBuilder).IsAssignableFrom(t))
            .Select(t => (LayerBuilder)Activator.CreateInstance(t, nonPublic: true)!)
            .ToDictionary(b => b.OpType);

    /// <summary>The op types that have a module (the meta-test checks every layer kind's op is one of them).</summary>
    public static IReadOnlyCollection<Type> OpTypes => Builders.Keys;

    public static nn.Module For(string name, OpIr op) =>
        Builders.TryGetValue(op.GetType(), out var b)
            ? b.Build(name, op)
            : throw new NotSupportedException($"no TorchSharp module for {op.OpName}");
}

internal abstract class LayerBuilder<TOp> : LayerBuilder where TOp : OpIr
{
    public sealed override Type OpType => typeof(TOp);
    public sealed override nn.Module Build(string name, OpIr op) => Build(name, (TOp)op);
    protected abstract nn.Module Build(string name, TOp op);
}

/// <summary>A layer without parameters: a function of its input.</summary>
internal sealed class FunctionLayer(string name, Func<Tensor, Tensor> f) : nn.Module<Tensor, Tensor>(name)
{
    public override Tensor forward(Tensor x) => f(x);
}
