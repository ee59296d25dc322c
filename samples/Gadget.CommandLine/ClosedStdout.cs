namespace Gadget.CommandLine;

/// <summary>
/// A tool started with its standard output closed (<c>&gt;&amp;-</c>): descriptor 1 is then whatever the process opens
/// first (.NET's own signal pipe, read-only), so a write to "standard output" failed with EBADF, which .NET reports as
/// "Access to the path is denied". Such a write is said for what it is, on one line (exit 1), and descriptor 1 is kept
/// from landing on a file the tool opens later (writes would go into it).
/// </summary>
internal static class ClosedStdout
{
    private const int F_GETFL = 3, O_ACCMODE = 3, O_RDONLY = 0;

    /// <summary>The one-line reason, after the tool's name.</summary>
    public const string Message = "standard output is closed (started with >&-?): nothing to write the output to; redirect it to a file or /dev/null instead.";

    /// <summary>
    /// When descriptor 1 is not open, opens /dev/null read-only (close-on-exec: a command the tool runs still finds it
    /// closed) onto it: a write fails as it would on the closed descriptor, and no later open of the tool becomes its stdout.
    /// </summary>
    public static void Reserve()
    {
        if (Libc.fcntl(1, F_GETFL, 0) >= 0)
        {
            return;
        }
        var devNull = Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (devNull >= 0 && devNull != 1)
        {
            var one = Libc.fcntl(devNull, Libc.F_DUPFD_CLOEXEC, 1); // the lowest free descriptor from 1: 1 itself
            if (one > 1)
            {
                Libc.close(one);
            }
            Libc.close(devNull);
        }
    }

    /// <summary>Whether <paramref name="exception"/> is a write to a standard output that is closed or not open for writing.</summary>
    public static bool Caused(Exception exception)
    {
        while (exception is AggregateException { InnerExceptions.Count: 1 } && exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }
        if (exception is not (UnauthorizedAccessException or IOException))
        {
            return false;
        }
        var flags = Libc.fcntl(1, F_GETFL, 0);
        return flags < 0 || (flags & O_ACCMODE) == O_RDONLY;
    }
}
