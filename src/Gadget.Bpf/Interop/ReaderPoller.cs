using System.Runtime.InteropServices;

namespace Gadget.Bpf.Interop;

/// <summary>
/// The plumbing <see cref="RingBufferReader"/> and <see cref="PerfBufferReader"/> share: an epoll set over the reader's
/// rings, a wake-up eventfd in that set, the native resources of the rings (released with it), one reference count for
/// all of them, and the waiter thread of <c>WaitAsync</c> (<see cref="EpollWaiter"/>).
/// </summary>
/// <remarks>
/// <para>
/// Lifetime: every reading call takes a reference (<see cref="Enter"/>/<see cref="Exit"/>), so a <see cref="Shutdown"/>
/// (the reader's <c>Dispose</c>) from another thread, or from inside a record handler, never unmaps memory or closes a
/// descriptor that a call still uses: the last <see cref="Exit"/> releases everything. The waiter thread holds a reference
/// for its whole life.
/// </para>
/// <para>
/// Waking: <see cref="Wake"/> writes the eventfd, which ends an <c>epoll_wait</c> in <see cref="Wait"/> or on the waiter
/// thread. The eventfd is drained by whoever sees it, except after <see cref="Shutdown"/>: then it stays readable, so every
/// waiter (a blocked <c>Poll</c> and the waiter thread alike) sees it.
/// </para>
/// </remarks>
internal sealed unsafe class ReaderPoller : SafeHandle
{
    /// <summary>The epoll data of the wake-up eventfd; a ring's token is anything else.</summary>
    internal const ulong WakeToken = ulong.MaxValue;

    private const int MaxEvents = 16;

    private readonly string _owner;
    private readonly string _threadName;
    private readonly Lock _gate = new();
    private readonly List<IDisposable> _owned = [];
    private EpollWaiter? _waiter;
    private int _shutDown;
    private int _consumer; // the managed id of the thread consuming now (Consume, Poll, an enumeration), 0 when none

    private ReaderPoller(string owner, string threadName, int epollFd, int eventFd)
        : base(-1, ownsHandle: true)
    {
        _owner = owner;
        _threadName = threadName;
        SetHandle(epollFd);
        EventFd = eventFd;
    }

    public override bool IsInvalid => handle < 0;

    /// <summary>The epoll descriptor.</summary>
    internal int EpollFd => (int)handle;

    /// <summary>The non-blocking wake-up eventfd, registered in the epoll set with <see cref="WakeToken"/>.</summary>
    internal int EventFd { get; }

    /// <summary>Whether <see cref="Shutdown"/> was called (the reader is disposed).</summary>
    internal bool IsShutDown => Volatile.Read(ref _shutDown) != 0;

    /// <summary>Creates the epoll set and its wake-up eventfd.</summary>
    /// <param name="owner">The reader's type name, for messages.</param>
    /// <param name="threadName">The waiter thread's name (at most 15 characters).</param>
    /// <exception cref="BpfException">A descriptor could not be created.</exception>
    internal static ReaderPoller Create(string owner, string threadName)
    {
        var epollFd = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        if (epollFd < 0)
        {
            throw Errno.ToException(Errno.Last, $"create the {owner}'s epoll descriptor (epoll_create1)");
        }
        var eventFd = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (eventFd < 0)
        {
            var errno = Errno.Last;
            Libc.close(epollFd);
            throw Errno.ToException(errno, $"create the {owner}'s wake-up eventfd");
        }
        var poller = new ReaderPoller(owner, threadName, epollFd, eventFd);
        try
        {
            poller.Add(eventFd, WakeToken, "the wake-up eventfd");
        }
        catch
        {
            poller.Dispose();
            throw;
        }
        return poller;
    }

    /// <summary>Takes a reference: the descriptors and ring memory stay valid until <see cref="Exit"/>.</summary>
    /// <exception cref="ObjectDisposedException">The reader is disposed.</exception>
    internal void Enter()
    {
        if (IsShutDown)
        {
            throw new ObjectDisposedException(_owner);
        }
        var added = false;
        try
        {
            DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException(_owner);
        }
    }

    /// <summary>Lets go of the reference <see cref="Enter"/> took; the last one after <see cref="Shutdown"/> releases everything.</summary>
    internal void Exit() => DangerousRelease();

    /// <summary>
    /// <see cref="Enter"/> for a call that consumes (moves the rings' read positions), which must be the only one: a second
    /// consumer, nested in a record handler or on another thread, would deliver records twice and move a read position back
    /// over records the kernel has overwritten since (garbage records, a ring that looks full for good).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The reader is disposed.</exception>
    /// <exception cref="InvalidOperationException">A consuming call of this reader is running, on this thread or another.</exception>
    internal void EnterConsumer()
    {
        Enter();
        var thread = Environment.CurrentManagedThreadId;
        var current = Interlocked.CompareExchange(ref _consumer, thread, 0);
        if (current != 0)
        {
            Exit();
            throw new InvalidOperationException(current == thread
                ? $"This {_owner} is consuming on this thread already (a record handler of it is running, or an enumeration of it was not disposed): " +
                  "its Consume, Poll and ReadAvailable cannot be nested, or records would be delivered twice and the ring's read position moved back."
                : $"Another thread (managed id {current}) is consuming from this {_owner}: one thread at a time may call its Consume, Poll or ReadAvailable.");
        }
    }

    /// <summary>Ends an <see cref="EnterConsumer"/>.</summary>
    internal void ExitConsumer()
    {
        Volatile.Write(ref _consumer, 0);
        Exit();
    }

    /// <summary>Adds a descriptor to the epoll set (level-triggered <c>EPOLLIN</c>); the caller holds a reference.</summary>
    /// <param name="fd">A ring's descriptor.</param>
    /// <param name="token">Its epoll data (not <see cref="WakeToken"/>).</param>
    /// <param name="what">What it is, for the message of a failure.</param>
    internal void Add(int fd, ulong token, string what)
    {
        var ready = stackalloc byte[EpollEvents.MaxSize];
        EpollEvents.Write(ready, Libc.EPOLLIN, token);
        if (Libc.epoll_ctl(EpollFd, Libc.EPOLL_CTL_ADD, fd, ready) < 0)
        {
            throw Errno.ToException(Errno.Last, $"add {what} to the {_owner}'s epoll set");
        }
    }

    /// <summary>Makes <paramref name="resource"/> (a ring's mappings and descriptors) live as long as this poller.</summary>
    internal void Own(IDisposable resource)
    {
        lock (_gate)
        {
            _owned.Add(resource);
        }
    }

    /// <summary>Writes the eventfd: an <c>epoll_wait</c> on this set returns. Safe at any time, also after release.</summary>
    internal void Wake()
    {
        var added = false;
        try
        {
            DangerousAddRef(ref added);
            ulong one = 1;
            _ = Libc.write(EventFd, &one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
            // Released: nobody can be waiting anymore.
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }

    /// <summary>
    /// One <c>epoll_wait</c> (retried on EINTR) of at most <paramref name="timeoutMilliseconds"/>; the caller holds a
    /// reference. Drains the eventfd when it fired, unless shut down. Returns whether a ring signaled (false after a
    /// timeout or a wake-up).
    /// </summary>
    internal bool Wait(int timeoutMilliseconds)
    {
        var events = stackalloc byte[MaxEvents * EpollEvents.MaxSize];
        int ready;
        while ((ready = Libc.epoll_wait(EpollFd, events, MaxEvents, timeoutMilliseconds)) < 0)
        {
            var errno = Errno.Last;
            if (errno != Errno.EINTR)
            {
                throw Errno.ToException(errno, $"wait for {_owner} data (epoll_wait)");
            }
        }
        var ringReady = false;
        for (var i = 0; i < ready; i++)
        {
            if (EpollEvents.Data(events, i) != WakeToken)
            {
                ringReady = true;
            }
            else if (!IsShutDown)
            {
                ulong count;
                _ = Libc.read(EventFd, &count, sizeof(ulong));
            }
        }
        return ringReady;
    }

    /// <summary>
    /// Waits on the waiter thread (started on first use); the caller has checked that no ring has data and that the token
    /// is not canceled. Completes with <c>true</c> when a ring signals or <see cref="RequestWake"/> is called, with
    /// <c>false</c> when the poller shuts down.
    /// </summary>
    /// <exception cref="InvalidOperationException">The previous wait has not been awaited yet.</exception>
    internal ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
    {
        EpollWaiter waiter;
        lock (_gate)
        {
            if (IsShutDown)
            {
                return new ValueTask<bool>(false);
            }
            waiter = _waiter ??= new EpollWaiter(_threadName, _owner, this);
        }
        return waiter.WaitAsync(cancellationToken);
    }

    /// <summary>Makes a pending (or the next) <see cref="WaitAsync"/> complete with <c>true</c>.</summary>
    internal void RequestWake()
    {
        EpollWaiter? waiter;
        lock (_gate)
        {
            waiter = _waiter;
        }
        waiter?.RequestWake();
    }

    /// <summary>
    /// The reader's <c>Dispose</c>: a pending <see cref="WaitAsync"/> completes with <c>false</c> and its thread ends, a
    /// blocked <see cref="Wait"/> returns, and everything is released once the last reference is let go.
    /// </summary>
    /// <returns><c>false</c> when it was already shut down.</returns>
    internal bool Shutdown()
    {
        if (Interlocked.Exchange(ref _shutDown, 1) != 0)
        {
            return false;
        }
        EpollWaiter? waiter;
        lock (_gate)
        {
            waiter = _waiter;
        }
        waiter?.Stop(); // before Wake: a pending wait completes with false, not true
        Wake();
        Dispose();
        return true;
    }

    protected override bool ReleaseHandle()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
        _owned.Clear();
        Libc.close(EventFd);
        return Libc.close((int)handle) == 0;
    }
}
