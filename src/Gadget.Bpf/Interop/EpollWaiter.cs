using System.Threading.Tasks.Sources;

namespace Gadget.Bpf.Interop;

/// <summary>
/// The asynchronous wait of <see cref="RingBufferReader.WaitAsync"/> and <see cref="PerfBufferReader.WaitAsync"/>: one
/// dedicated background thread per reader that blocks in <c>epoll_wait</c> on the reader's epoll set (its rings and its
/// wake-up eventfd) while a wait is pending, and completes the wait (a reusable <see cref="IValueTaskSource{TResult}"/>,
/// so waits allocate nothing) when a ring signals data, the wait is canceled, or the reader is disposed.
/// </summary>
/// <remarks>
/// <para>
/// What a wake-up costs is what this type is about. The continuation of the wait (the consumer's loop: consume, then
/// <c>WaitAsync</c> again) runs inline on this thread, the way a C tool's single thread returns from <c>epoll_wait</c> into
/// its callbacks: when that loop asks for the next wait, it only sets a flag (it runs on this thread, which goes back
/// into <c>epoll_wait</c> as soon as the loop's <c>await</c> returns). So one kernel event costs one thread wake-up, with
/// no hand-off between threads, no thread-pool work item and no spinning. A continuation that must run elsewhere (a
/// captured <see cref="SynchronizationContext"/>) is posted there as usual; a wait requested from another thread wakes
/// this thread through a <see cref="ManualResetEventSlim"/> that does not spin.
/// </para>
/// <para>
/// The thread never reads ring memory and holds a reference on the reader's <see cref="ReaderPoller"/> for its whole life,
/// so it never sees a closed descriptor. <see cref="Stop"/> ends it: it completes a pending wait with <c>false</c> (through
/// the thread pool, not inline) and joins the thread, unless called on the thread itself, or while a continuation (user
/// code) runs on it: then the thread ends as soon as that code returns to it, and joining could deadlock.
/// </para>
/// </remarks>
internal sealed class EpollWaiter : IValueTaskSource<bool>
{
    /// <summary>The ring buffer reader's waiter thread name (at most 15 characters: also its <c>/proc/self/task/*/comm</c>).</summary>
    internal const string RingBufferThreadName = "gadget-ringbuf";

    /// <summary>The perf buffer reader's waiter thread name.</summary>
    internal const string PerfBufferThreadName = "gadget-perfbuf";

    private readonly string _owner;
    private readonly ReaderPoller _poller;
    private readonly Thread _thread;
    private readonly Lock _gate = new();
    private readonly ManualResetEventSlim _request = new(false, spinCount: 0);
    private ManualResetValueTaskSourceCore<bool> _core; // continuations run inline: see the remarks
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;
    private volatile bool _requestOpen;
    private volatile bool _cancelRequested;
    private int _wakeRequested;
    private int _stopRequested;
    private int _runningContinuation;
    private int _pending;
    private int _threadId;
    private bool _exited;

    /// <summary>Starts the thread. Takes a reference on the poller until the thread ends.</summary>
    /// <param name="threadName">The thread's name (at most 15 characters).</param>
    /// <param name="owner">The reader's type name, for messages.</param>
    /// <param name="poller">The reader's epoll set (its rings and the wake-up eventfd) and their lifetime.</param>
    internal EpollWaiter(string threadName, string owner, ReaderPoller poller)
    {
        _owner = owner;
        _poller = poller;
        var added = false;
        try
        {
            poller.DangerousAddRef(ref added);
            _thread = new Thread(Run) { IsBackground = true, Name = threadName };
            _thread.Start();
        }
        catch
        {
            if (added)
            {
                poller.DangerousRelease();
            }
            throw;
        }
    }

    /// <summary>
    /// Starts a wait; the caller has checked that no ring has data and that the token is not canceled. Completes with
    /// <c>true</c> when a ring signals data (or <see cref="RequestWake"/> was called), <c>false</c> when the waiter stops,
    /// or throws <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The previous wait has not been awaited yet.</exception>
    internal ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _pending, 1, 0) != 0)
        {
            throw new InvalidOperationException($"A WaitAsync on this {_owner} is still pending: await it before waiting again.");
        }
        lock (_gate)
        {
            if (_exited)
            {
                Volatile.Write(ref _pending, 0);
                return new ValueTask<bool>(false); // stopped meanwhile: the reader is disposed
            }
            _core.Reset();
            _cancelRequested = false;
            _token = cancellationToken;
            var version = _core.Version;
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.UnsafeRegister(static state => ((EpollWaiter)state!).Cancel(), this);
            }
            _requestOpen = true;
            if (Environment.CurrentManagedThreadId != _threadId)
            {
                _request.Set(); // on the waiter thread itself (a continuation), it sees the request when the continuation returns
            }
            return new ValueTask<bool>(this, version);
        }
    }

    /// <summary>Makes a pending (or the next) wait complete with <c>true</c> (<see cref="PerfBufferReader.Wake"/>).</summary>
    internal void RequestWake()
    {
        Volatile.Write(ref _wakeRequested, 1);
        _request.Set();
        Signal();
    }

    /// <summary>
    /// Ends the thread (the reader is disposed): a pending wait completes with <c>false</c>. Waits for the thread to end,
    /// except on the thread itself or while it runs a continuation (it then ends when the continuation returns).
    /// </summary>
    internal void Stop()
    {
        if (Interlocked.Exchange(ref _stopRequested, 1) != 0)
        {
            return;
        }
        _request.Set();
        Signal();
        if (Environment.CurrentManagedThreadId == _threadId || Volatile.Read(ref _runningContinuation) != 0)
        {
            return;
        }
        _thread.Join();
    }

    public bool GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            Volatile.Write(ref _pending, 0);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private bool StopRequested => Volatile.Read(ref _stopRequested) != 0;

    private void Cancel()
    {
        _cancelRequested = true;
        Signal();
    }

    /// <summary>Writes the eventfd, waking the thread out of <c>epoll_wait</c>; does nothing once the descriptor is released.</summary>
    private void Signal() => _poller.Wake();

    private void Run()
    {
        _threadId = Environment.CurrentManagedThreadId;
        try
        {
            while (!StopRequested)
            {
                if (!_requestOpen)
                {
                    _request.Wait();
                    _request.Reset(); // the flags are checked again after the reset, so no request is missed
                    continue;
                }
                if (_cancelRequested)
                {
                    Complete(false, new OperationCanceledException(_token));
                }
                else if (Interlocked.Exchange(ref _wakeRequested, 0) != 0)
                {
                    Complete(true, null);
                }
                else
                {
                    bool ringReady;
                    try
                    {
                        ringReady = WaitForEvents();
                    }
                    catch (Exception e)
                    {
                        Complete(false, e);
                        continue;
                    }
                    if (ringReady && !StopRequested)
                    {
                        Complete(true, null);
                    }
                }
            }
        }
        finally
        {
            bool open;
            lock (_gate)
            {
                _exited = true;
                open = _requestOpen;
            }
            // Released before the last wait completes: when the reader was disposed from a continuation on this thread,
            // this is the last reference, so its descriptors are closed by the time that wait returns false.
            _poller.DangerousRelease(); // _request is not disposed: RequestWake and Stop may still set it
            if (open)
            {
                _core.RunContinuationsAsynchronously = true; // whoever stopped us may be waiting in Join: no user code here
                Complete(false, null);
            }
        }
    }

    /// <summary>
    /// One <c>epoll_wait</c> without timeout (<see cref="ReaderPoller.Wait"/>: drains the eventfd when it fired, unless the
    /// reader is disposed: then it stays readable, so a <c>Poll</c> blocked on another thread sees it too). Returns whether
    /// a ring is ready.
    /// </summary>
    private bool WaitForEvents() => _poller.Wait(Timeout.Infinite);

    /// <summary>
    /// Completes the pending wait. Its continuation usually runs right here, inline: it may start the next wait (which only
    /// sets <see cref="_requestOpen"/> again), so nothing about the wait is touched after the completion.
    /// </summary>
    private void Complete(bool result, Exception? error)
    {
        _requestOpen = false;
        _registration.Dispose(); // waits for a running cancellation callback, so none fires for the next wait
        _registration = default;
        Interlocked.Exchange(ref _runningContinuation, 1);
        try
        {
            if (StopRequested)
            {
                // Stop may be joining this thread (it saw no continuation running): run none here.
                _core.RunContinuationsAsynchronously = true;
                result = false;
                error = null;
            }
            if (error is null)
            {
                _core.SetResult(result);
            }
            else
            {
                _core.SetException(error);
            }
        }
        finally
        {
            Volatile.Write(ref _runningContinuation, 0);
        }
    }
}
