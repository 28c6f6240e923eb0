using Gan.Dsl.Layers;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gan.Runtime.Model.Layers;

/// <summary>
/// film: y = (1 + γ) ⊙ x + β with γ = W_γ v (+ b_γ) and β = W_β v (+ b_β), each a C-vector per sample broadcast over H, W;
/// v is the one-hot of a label, or a flat value. W_γ and W_β are linear layers registered as <c>gamma</c> and <c>beta</c>
/// (each optionally spectrally normalised), initialised by the spec's formula.
/// </summary>
internal sealed class FilmLayer : nn.Module<Tensor[], Tensor>
{
    readonly FilmOp op;
    readonly LinearLayer gamma, beta;

    public FilmLayer(string name, FilmOp op) : base(name)
    {
        this.op = op;
        var linear = new LinearOp(op.Features, op.Channels, op.Bias, op.Init, op.SpectralNorm, op.PowerIterations);
        gamma = (LinearLayer)LayerBuilder.For("gamma", linear);
        beta = (LinearLayer)LayerBuilder.For("beta", linear);
        register_module("gamma", gamma);
        register_module("beta", beta);
    }

    public override Tensor forward(Tensor[] inputs)
    {
        var x = inputs[0];
        var v = op.ByLabel ? F.one_hot(inputs[1].to_type(ScalarType.Int64), op.Features).to_type(x.dtype) : inputs[1];   // N×F
        var (g, b) = (gamma.call(v), beta.call(v));                                                                     // N×C
        if (x.dim() == 4) (g, b) = (g[.., .., TensorIndex.None, TensorIndex.None], b[.., .., TensorIndex.None, TensorIndex.None]);
        return x * (g + 1) + b;
    }

    sealed class Builder : LayerBuilder<FilmOp>
    {
        protected override nn.Module Build(string name, FilmOp op) => new FilmLayer(name, op);
    }
}
