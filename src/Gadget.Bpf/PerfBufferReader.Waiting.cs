using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>The asynchronous wait of <see cref="PerfBufferReader"/>: one background thread per reader, started on first use.</summary>
public sealed partial class PerfBufferReader
{
    private readonly Lock _waiterGate = new();
    private EpollWaiter? _waiter;

    /// <summary>
    /// Waits until records may be available: completes at once with <c>true</c> when a ring already holds some, otherwise
    /// when the kernel signals records (per <see cref="PerfBufferOptions.WakeupEvents"/>) or <see cref="Wake"/> is called.
    /// Completes with <c>false</c> when the reader is disposed. Then call <see cref="Consume{THandler}(ref THandler)"/>.
    /// </summary>
    /// <remarks>
    /// The wait runs on one background thread per reader (started by the first call that has to wait, ended by <see cref="Dispose"/>),
    /// not on a thread-pool thread. The continuation of a wait that had to block runs inline on that thread (unless a captured
    /// <see cref="SynchronizationContext"/> takes it), so a loop <c>while (await reader.WaitAsync(ct)) reader.Consume(...)</c> costs one
    /// thread wake-up per kernel notification, as a C tool's <c>epoll_wait</c> loop does. Do not block that thread on the reader's next
    /// <c>WaitAsync</c> (<c>.AsTask().Wait()</c>): nothing would be left to complete it. Only one wait may be pending at a time.
    /// Allocation-free after the first call.
    /// </remarks>
    /// <param name="cancellationToken">Cancels the wait (the task then throws <see cref="OperationCanceledException"/>).</param>
    /// <exception cref="ObjectDisposedException">The reader is disposed.</exception>
    /// <exception cref="InvalidOperationException">The reader is overwritable, or another wait is pending.</exception>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken = default)
    {
        Enter(overwritable: false);
        try
        {
            foreach (var ring in _rings)
            {
                if (ring.Head != ring.Tail)
                {
                    return new ValueTask<bool>(true);
                }
            }
        }
        finally
        {
            Exit();
        }
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }
        EpollWaiter waiter;
        lock (_waiterGate)
        {
            if (IsDisposed)
            {
                return new ValueTask<bool>(false); // disposed since the check above
            }
            waiter = _waiter ??= new EpollWaiter(
                EpollWaiter.PerfBufferThreadName, nameof(PerfBufferReader), _epoll!, _epoll!.Fd, _wakeEvent!, _wakeEvent!.Fd, WakeToken);
        }
        return waiter.WaitAsync(cancellationToken);
    }

    /// <summary>Called by <see cref="Wake"/>: a pending wait completes with <c>true</c>.</summary>
    private void WakeWaiter()
    {
        EpollWaiter? waiter;
        lock (_waiterGate)
        {
            waiter = _waiter;
        }
        waiter?.RequestWake();
    }

    /// <summary>Called by Dispose (after marking the reader disposed): a pending wait completes with <c>false</c>, the thread ends.</summary>
    private void StopWaiter()
    {
        EpollWaiter? waiter;
        lock (_waiterGate)
        {
            waiter = _waiter;
        }
        waiter?.Stop();
    }
}
