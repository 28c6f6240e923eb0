using Gan.Dsl.Ir;
using static TorchSharp.torch;

namespace Gan.Runtime.Training;

/// <summary>
/// Values shared by the steps of one iteration under <c>fakes: per_iteration</c>: the latent samples, and
/// each network output a later step may reuse under detach() (the seeds' <c>gen_imgs.detach()</c>).
/// Its tensors belong to the iteration's dispose scope.
/// </summary>
/// <param name="reused">the applications a step reads under detach (<see cref="LossUses.DetachedApplications"/>): only their
/// outputs are kept; null: every output.</param>
internal sealed class IterationShare(IReadOnlySet<ApplyIr>? reused = null)
{
    /// <summary>The share of an iteration of <paramref name="model"/>: keeps only the outputs its losses read under detach.</summary>
    public static IterationShare For(ModelIr model) => new(LossUses.DetachedApplications(model));

    public Dictionary<string, Tensor> Latents { get; } = [];
    public Dictionary<ApplyIr, Tensor> Detached { get; } = [];

    /// <summary>Whether the output of <paramref name="a"/> is kept for a later step's detach.</summary>
    public bool Keeps(ApplyIr a) => reused?.Contains(a) ?? true;

    /// <summary>Keeps a detached copy of <paramref name="a"/>'s output in the iteration's scope when a later step reads it.</summary>
    public void Offer(ApplyIr a, Tensor output)
    {
        if (Keeps(a) && !Detached.ContainsKey(a)) Detached[a] = output.detach().MoveToOuterDisposeScope();
    }
}
