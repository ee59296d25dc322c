namespace Gadget.CommandLine;

/// <summary>
/// Notices when standard output's reader goes away (<c>| head</c> exited): .NET's console stream drops writes that fail
/// with EPIPE silently, so a tool would run on until its timeout. One background thread waits in poll(2) on descriptor 1
/// asking for no event: only POLLERR (a pipe whose read end closed), POLLHUP (a terminal that hung up) or POLLNVAL wake it.
/// A regular file, /dev/null or a live terminal never do, and the thread stays blocked until the process exits.
/// </summary>
internal static unsafe class StdoutWatch
{
    private const string ThreadName = "stdout watch";
    private static CancellationTokenSource? s_closed;

    /// <summary>
    /// Starts the watch; <paramref name="closed"/> is canceled when standard output is closed. The thread is a native one
    /// (<see cref="NativeThread"/>): starting it does not wait until it runs, which a managed thread's start does.
    /// </summary>
    public static void Start(CancellationTokenSource closed)
    {
        if (Interlocked.CompareExchange(ref s_closed, closed, null) is not null)
        {
            return; // one watch per process: descriptor 1 is the process's
        }
        if (!NativeThread.TryStart(&RunNative, ThreadName))
        {
            var thread = new Thread(() => Watch(closed)) { IsBackground = true, Name = ThreadName };
            thread.Start();
        }
    }

    [System.Runtime.InteropServices.UnmanagedCallersOnly]
    private static nint RunNative(nint argument)
    {
        try
        {
            Watch(s_closed!);
        }
        catch (Exception)
        {
            // Never let an exception cross back into native code: without the watch, a closed stdout is noticed at the next write.
        }
        return 0;
    }

    private static void Watch(CancellationTokenSource closed)
    {
        var descriptor = new PollDescriptor { Descriptor = 1, Events = 0 };
        while (true)
        {
            descriptor.ReturnedEvents = 0;
            var ready = Libc.poll(ref descriptor, 1, -1);
            if (ready < 0)
            {
                if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == LinuxErrno.EINTR)
                {
                    continue;
                }
                return; // cannot tell: behave as before
            }
            if ((descriptor.ReturnedEvents & (Libc.POLLERR | Libc.POLLHUP)) != 0)
            {
                try
                {
                    closed.Cancel();
                }
                catch (ObjectDisposedException)
                {
                }
                return;
            }
            if ((descriptor.ReturnedEvents & Libc.POLLNVAL) != 0)
            {
                return; // no standard output at all: nothing to watch
            }
        }
    }
}
