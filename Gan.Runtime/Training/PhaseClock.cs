using System.Diagnostics;
using TorchSharp;

namespace Gan.Runtime.Training;

/// <summary>The parts of a training iteration that <c>gan bench</c> times apart.</summary>
internal enum Phase
{
    /// <summary>Everything between the marks below: learning rates, opening scopes. Freeing a step's and the iteration's
    /// tensors falls in <see cref="Optimizer"/>, the phase running when their scopes close.</summary>
    Other,
    /// <summary>Drawing a real batch, moving it to the device, setting up the step.</summary>
    Data,
    /// <summary>Evaluating the step's loss (its networks' forward passes and the loss primitives).</summary>
    Forward,
    /// <summary>The loss's backward pass.</summary>
    Backward,
    /// <summary>Zeroing the gradients, the optimiser's step, weight clipping and EMA updates, and freeing the tensors.</summary>
    Optimizer,
}

/// <summary>
/// Splits training time into <see cref="Phase"/>s for <c>gan bench</c>. The trainer calls <see cref="Enter"/> at each phase
/// boundary; without an active clock (normal training) that is a thread-static read and nothing else. An active clock
/// charges the time since the last boundary to the phase that was running; on CUDA it first waits for the device
/// (<c>cuda.synchronize</c>), so that asynchronous kernels are charged to the phase that launched them: only while
/// benchmarking, since those waits cost throughput.
/// </summary>
internal sealed class PhaseClock
{
    [ThreadStatic] static PhaseClock? active;

    readonly long[] ticks = new long[Enum.GetValues<Phase>().Length];
    readonly bool synchronize;
    Phase current;
    long since;

    /// <param name="cuda">the networks are on a CUDA device: synchronise at every boundary.</param>
    public PhaseClock(bool cuda) => synchronize = cuda;

    /// <summary>Marks a phase boundary on this thread's active clock, if any.</summary>
    public static void Enter(Phase phase) => active?.Switch(phase);

    /// <summary>Starts timing (in <see cref="Phase.Other"/>) as this thread's active clock.</summary>
    public void Start()
    {
        if (active is not null) throw new InvalidOperationException("a phase clock is already running on this thread");
        Sync();
        since = Stopwatch.GetTimestamp();
        current = Phase.Other;
        active = this;
    }

    /// <summary>Charges the time since the last boundary and stops timing.</summary>
    public void Stop()
    {
        Switch(Phase.Other);
        active = null;
    }

    /// <summary>The time charged to <paramref name="phase"/> so far, in seconds.</summary>
    public double Seconds(Phase phase) => ticks[(int)phase] / (double)Stopwatch.Frequency;

    /// <summary>The time charged to every phase so far, in seconds.</summary>
    public double TotalSeconds => ticks.Sum() / (double)Stopwatch.Frequency;

    void Switch(Phase phase)
    {
        Sync();
        long now = Stopwatch.GetTimestamp();
        ticks[(int)current] += now - since;
        since = now;
        current = phase;
    }

    void Sync()
    {
        if (synchronize) torch.cuda.synchronize();
    }
}
