using System.Threading.Tasks.Sources;

namespace Gadget.Bpf.Interop;

/// <summary>
/// The background thread behind <see cref="RingBufferReader.WaitAsync"/>: it sleeps until a wait is requested, then
/// blocks in <c>epoll_wait</c> on the reader's epoll set and completes the request (a reusable
/// <see cref="IValueTaskSource{TResult}"/>, so waits allocate nothing) when a ring has data, the wait is canceled, or the
/// reader is disposed. It holds a reference on the reader's resources for its whole life.
/// </summary>
internal sealed unsafe class RingBufferWaiter : IValueTaskSource<bool>
{
    /// <summary>The thread's name (at most 15 characters, so it is also its name in <c>/proc/self/task/*/comm</c>).</summary>
    internal const string ThreadName = "gadget-ringbuf";

    private readonly RingBufferReader _reader;
    private readonly RingBufferResources _resources;
    private readonly Thread _thread;
    private readonly SemaphoreSlim _requests = new(0);
    private readonly Lock _gate = new();
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;
    private volatile bool _cancelRequested;
    private bool _exited;
    private volatile bool _requestOpen;
    private int _pending;

    internal RingBufferWaiter(RingBufferReader reader, RingBufferResources resources)
    {
        _reader = reader;
        _resources = resources;
        var added = false;
        resources.DangerousAddRef(ref added);
        _thread = new Thread(Run) { IsBackground = true, Name = ThreadName };
        try
        {
            _thread.Start();
        }
        catch
        {
            resources.DangerousRelease();
            throw;
        }
    }

    internal ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _pending, 1, 0) != 0)
        {
            throw new InvalidOperationException("A WaitAsync on this ring buffer reader is still pending: await it before waiting again.");
        }
        lock (_gate)
        {
            if (_exited)
            {
                Volatile.Write(ref _pending, 0);
                throw new ObjectDisposedException(nameof(RingBufferReader));
            }
            _core.Reset();
            _cancelRequested = false;
            _token = cancellationToken;
            var version = _core.Version;
            _requestOpen = true;
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.UnsafeRegister(static state => ((RingBufferWaiter)state!).Cancel(), this);
            }
            _requests.Release();
            return new ValueTask<bool>(this, version);
        }
    }

    /// <summary>Stops the thread (the reader is already marked disposed and its eventfd signaled) and waits for it to end.</summary>
    internal void Stop()
    {
        _requests.Release();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
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

    private void Cancel()
    {
        _cancelRequested = true;
        _reader.Wake();
    }

    private void Run()
    {
        var events = stackalloc Libc.EpollEvent[16];
        try
        {
            while (true)
            {
                _requests.Wait();
                while (_requestOpen)
                {
                    if (_reader.IsDisposed)
                    {
                        return;
                    }
                    if (_cancelRequested)
                    {
                        Complete(false, new OperationCanceledException(_token));
                    }
                    else if (RingBufferReader.HasAvailableData(_resources.Rings))
                    {
                        Complete(true, null);
                    }
                    else
                    {
                        try
                        {
                            _reader.WaitForEvents(_resources, events, Timeout.Infinite);
                        }
                        catch (Exception e)
                        {
                            Complete(false, e);
                        }
                    }
                }
                if (_reader.IsDisposed)
                {
                    return;
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
            if (open)
            {
                Complete(false, null); // the reader is disposed
            }
            _resources.DangerousRelease();
        }
    }

    private void Complete(bool result, Exception? error)
    {
        _requestOpen = false;
        _registration.Dispose(); // waits for a running cancellation callback, so none fires for the next wait
        _registration = default;
        if (error is null)
        {
            _core.SetResult(result);
        }
        else
        {
            _core.SetException(error);
        }
    }
}
