using System.Threading.Tasks.Sources;

namespace Gadget.Bpf;

/// <summary>The asynchronous wait of <see cref="PerfBufferReader"/>: one background thread per reader, started on first use.</summary>
public sealed partial class PerfBufferReader : IValueTaskSource<bool>
{
    private readonly SemaphoreSlim _waitRequests = new(0);
    private ManualResetValueTaskSourceCore<bool> _waitCompletion = new() { RunContinuationsAsynchronously = true };
    private Thread? _waiter;
    private int _waitPending;
    private volatile bool _cancelRequested;
    private CancellationToken _waitToken;
    private CancellationTokenRegistration _waitRegistration;

    /// <summary>
    /// Waits until records may be available: completes at once with <c>true</c> when a ring already holds some, otherwise
    /// when the kernel signals records (per <see cref="PerfBufferOptions.WakeupEvents"/>) or <see cref="Wake"/> is called.
    /// Completes with <c>false</c> when the reader is disposed. Then call <see cref="Consume{THandler}(ref THandler)"/>.
    /// </summary>
    /// <remarks>
    /// The wait runs on one background thread per reader (started by the first call that has to wait, ended by <see cref="Dispose"/>),
    /// not on a thread-pool thread. Only one wait may be pending at a time. Allocation-free after the first call.
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
        if (Interlocked.Exchange(ref _waitPending, 1) != 0)
        {
            throw new InvalidOperationException("Another WaitAsync on this perf buffer reader is still pending; only one wait at a time is supported.");
        }
        _waitCompletion.Reset();
        _cancelRequested = false;
        _waitToken = cancellationToken;
        _waitRegistration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s =>
            {
                var reader = (PerfBufferReader)s!;
                reader._cancelRequested = true;
                reader.Wake();
            }, this)
            : default;
        var task = new ValueTask<bool>(this, _waitCompletion.Version);
        lock (_waitRequests)
        {
            if (IsDisposed)
            {
                // Disposed since the check above, possibly before a waiter thread existed: nothing will wait.
                _waitRegistration.Dispose();
                _waitCompletion.SetResult(false);
                return task;
            }
            if (_waiter is null)
            {
                _waiter = new Thread(WaiterLoop) { IsBackground = true, Name = "Gadget perf buffer wait" };
                _waiter.Start();
            }
            _waitRequests.Release();
        }
        return task;
    }

    bool IValueTaskSource<bool>.GetResult(short token)
    {
        try
        {
            return _waitCompletion.GetResult(token);
        }
        finally
        {
            Volatile.Write(ref _waitPending, 0);
        }
    }

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _waitCompletion.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _waitCompletion.OnCompleted(continuation, state, token, flags);

    private void WaiterLoop()
    {
        while (true)
        {
            _waitRequests.Wait();
            if (Volatile.Read(ref _waitPending) == 0)
            {
                return; // woken by Dispose with no wait pending
            }
            var result = true;
            Exception? error = null;
            try
            {
                while (!IsDisposed)
                {
                    if (WaitForEvents(-1))
                    {
                        break; // a ring signalled records
                    }
                    if (IsDisposed)
                    {
                        break;
                    }
                    if (_cancelRequested)
                    {
                        error = new OperationCanceledException(_waitToken);
                        break;
                    }
                    break; // Wake(): let the caller look
                }
                if (IsDisposed)
                {
                    result = false;
                }
            }
            catch (Exception e)
            {
                error = e;
            }
            _waitRegistration.Dispose();
            _waitRegistration = default;
            if (error is null)
            {
                _waitCompletion.SetResult(result);
            }
            else
            {
                _waitCompletion.SetException(error);
            }
            if (IsDisposed)
            {
                return;
            }
        }
    }

    /// <summary>Called by Dispose: lets an idle waiter thread end (a busy one is woken through the eventfd).</summary>
    private void StopWaiter()
    {
        lock (_waitRequests)
        {
            if (_waiter is not null)
            {
                _waitRequests.Release();
            }
        }
    }

    private void JoinWaiter()
    {
        Thread? waiter;
        lock (_waitRequests)
        {
            waiter = _waiter;
        }
        if (waiter is not null && waiter != Thread.CurrentThread)
        {
            waiter.Join();
        }
    }
}
