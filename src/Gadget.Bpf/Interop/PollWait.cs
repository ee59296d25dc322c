namespace Gadget.Bpf.Interop;

/// <summary>
/// The waiting half of both readers' <c>Poll</c>: a deadline, a cancellation registration that wakes the poller, and the
/// rule for when to stop. A reader's <c>Poll</c> is then:
/// <code>
/// var count = consume();
/// if (count &gt; 0 || timeoutMilliseconds == 0) return count;
/// using var wait = new PollWait(poller, timeoutMilliseconds, cancellationToken);
/// while (wait.Next(out var last)) { count = consume(); if (count &gt; 0 || last) return count; }
/// return 0; // disposed during the wait
/// </code>
/// The caller holds a reference on the poller (<see cref="ReaderPoller.Enter"/>) for the whole loop.
/// </summary>
internal ref struct PollWait
{
    private readonly ReaderPoller _poller;
    private readonly int _timeoutMilliseconds;
    private readonly long _start;
    private readonly CancellationToken _cancellationToken;
    private CancellationTokenRegistration _registration;

    internal PollWait(ReaderPoller poller, int timeoutMilliseconds, CancellationToken cancellationToken)
    {
        _poller = poller;
        _timeoutMilliseconds = timeoutMilliseconds;
        _cancellationToken = cancellationToken;
        _start = Environment.TickCount64;
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(static state => ((ReaderPoller)state!).Wake(), poller);
        }
    }

    /// <summary>
    /// Waits (<c>epoll_wait</c>) until a ring signals, the deadline passes, the poller is woken, canceled or shut down.
    /// </summary>
    /// <param name="last">
    /// Set when the caller must return after consuming, whatever it found: no ring signaled (a timeout or a wake-up) or
    /// the deadline has passed. A ring's signal can be stale (its records already read): then the loop waits on.
    /// </param>
    /// <returns><c>false</c> when the reader was disposed meanwhile (<c>Poll</c> returns 0 without consuming).</returns>
    /// <exception cref="OperationCanceledException">The token was canceled.</exception>
    internal readonly bool Next(out bool last)
    {
        var remaining = _timeoutMilliseconds < 0
            ? Timeout.Infinite
            : (int)Math.Max(0, _timeoutMilliseconds - (Environment.TickCount64 - _start));
        var signaled = _poller.Wait(remaining);
        if (_poller.IsShutDown)
        {
            last = true;
            return false;
        }
        _cancellationToken.ThrowIfCancellationRequested();
        last = !signaled || remaining == 0
            || (_timeoutMilliseconds >= 0 && Environment.TickCount64 - _start >= _timeoutMilliseconds);
        return true;
    }

    /// <summary>Unregisters from the token (waits for a running callback).</summary>
    public void Dispose() => _registration.Dispose();

    /// <summary>Checks a timeout in milliseconds: -1 (<see cref="Timeout.Infinite"/>) or more.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Below -1.</exception>
    internal static void Validate(int timeoutMilliseconds, string parameterName) =>
        ArgumentOutOfRangeException.ThrowIfLessThan(timeoutMilliseconds, Timeout.Infinite, parameterName);

    /// <summary>A <see cref="TimeSpan"/> timeout in whole milliseconds, rounded up; <see cref="Timeout.InfiniteTimeSpan"/> is -1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative and not infinite.</exception>
    internal static int ToMilliseconds(TimeSpan timeout, string parameterName)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return Timeout.Infinite;
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero, parameterName);
        return (int)Math.Min(int.MaxValue, Math.Ceiling(timeout.TotalMilliseconds));
    }
}
