using Gan.Dsl.Ir;
using static TorchSharp.torch;

namespace Gan.Runtime.Training;

/// <summary>
/// Values shared by the steps of one iteration under <c>fakes: per_iteration</c>: the latent samples, and
/// each network output a later step may reuse under detach() (the seeds' <c>gen_imgs.detach()</c>).
/// Its tensors belong to the iteration's dispose scope.
/// </summary>
internal sealed class IterationShare
{
    public Dictionary<string, Tensor> Latents { get; } = [];
    public Dictionary<ApplyIr, Tensor> Detached { get; } = [];
}
