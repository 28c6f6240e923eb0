using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Gan.Runtime.Data;

/// <summary>
/// Produces items one ahead on a worker thread: <see cref="Take"/> returns the item prepared while the
/// consumer was busy and asks for the next. The producer never runs twice at once, so it may keep state.
/// <see cref="Waited"/> is the total time the consumer spent blocked in <see cref="Take"/>.
/// The worker is a dedicated background thread, not the thread pool (a busy pool would delay items by
/// up to half a second) and not a thread per item (creating one cost ~0.5 ms per batch on 2 busy
/// cores). It exits after <c>idleExit</c> (default <see cref="DefaultIdleExit"/>) without a request and is restarted on demand, so an
/// undisposed prefetcher does not keep a thread, or the data its producer holds, alive.
/// </summary>
internal sealed class Prefetcher<T>(Func<T> produce, TimeSpan? idleExit = null) : IDisposable
{
    public static readonly TimeSpan DefaultIdleExit = TimeSpan.FromSeconds(5);
    readonly TimeSpan idle = idleExit ?? DefaultIdleExit;

    readonly SemaphoreSlim request = new(0), ready = new(0);
    readonly Lock gate = new();
    readonly Stopwatch waited = new();
    bool workerAlive, inFlight, disposed;
    T? item;
    ExceptionDispatchInfo? error;

    public TimeSpan Waited => waited.Elapsed;

    /// <summary>Whether the worker thread exists now (it exits when idle).</summary>
    public bool WorkerRunning { get { lock (gate) return workerAlive; } }

    public T Take()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (!inFlight) Request();
        if (!ready.Wait(0))
        {
            waited.Start();
            ready.Wait();
            waited.Stop();
        }
        inFlight = false;
        var (result, failure) = (item, error);
        (item, error) = (default, null);
        failure?.Throw();          // the next Take asks again
        Request();
        return result!;
    }

    void Request()
    {
        lock (gate)
        {
            if (!workerAlive)
            {
                workerAlive = true;
                new Thread(Work) { IsBackground = true, Name = "gandsl-prefetch" }.Start();
            }
            request.Release();
        }
        inFlight = true;
    }

    void Work()
    {
        while (true)
        {
            if (!request.Wait(idle))
            {
                lock (gate)
                {
                    if (request.CurrentCount == 0) { workerAlive = false; return; }
                }
                continue;
            }
            if (disposed) { lock (gate) workerAlive = false; return; }
            try { item = produce(); }
            catch (Exception e) { error = ExceptionDispatchInfo.Capture(e); }
            ready.Release();
        }
    }

    /// <summary>Waits for the item in flight and drops it, so the producer's state can be changed safely.</summary>
    public void Discard()
    {
        if (!inFlight) return;
        ready.Wait();
        inFlight = false;
        (item, error) = (default, null);
    }

    public void Dispose()
    {
        if (disposed) return;
        Discard();
        disposed = true;
        lock (gate) if (workerAlive) request.Release();
    }
}
