using System.Diagnostics;

namespace Gan.Runtime.Data;

/// <summary>
/// Produces items one ahead on a worker thread: <see cref="Take"/> returns the item prepared while the
/// consumer was busy and starts the next. The producer never runs twice at once, so it may keep state.
/// <see cref="Waited"/> is the total time the consumer spent blocked in <see cref="Take"/>.
/// Each item is made on a dedicated thread (a long-running task), not the thread pool: a pool that
/// is busy (test runners, other work) would otherwise delay the item by up to half a second.
/// </summary>
public sealed class Prefetcher<T>(Func<T> produce) : IDisposable
{
    Task<T>? pending;
    readonly Stopwatch waited = new();

    public TimeSpan Waited => waited.Elapsed;

    public T Take()
    {
        var task = pending ?? Start();
        pending = null;
        T item;
        if (task.IsCompleted) item = task.GetAwaiter().GetResult();
        else
        {
            waited.Start();
            try { item = task.GetAwaiter().GetResult(); }
            finally { waited.Stop(); }
        }
        pending = Start();
        return item;
    }

    Task<T> Start() => Task.Factory.StartNew(produce, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Waits for the item in flight and drops it, so the producer's state can be changed safely.</summary>
    public void Discard()
    {
        var p = pending;
        pending = null;
        if (p == null) return;
        try { p.Wait(); }
        catch (AggregateException) { /* the dropped item's failure does not matter; the next Take reproduces it */ }
    }

    public void Dispose() => Discard();
}
