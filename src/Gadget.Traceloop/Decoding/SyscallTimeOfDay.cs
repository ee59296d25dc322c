namespace Gadget.Traceloop.Decoding;

/// <summary>The wall-clock prefix of each line, as strace's <c>-t</c>, <c>-tt</c> and <c>-ttt</c> print it.</summary>
public enum SyscallTimeOfDay
{
    /// <summary>No wall-clock prefix.</summary>
    None,

    /// <summary>The local time of day, <c>14:03:07 </c> (strace's <c>-t</c>).</summary>
    Seconds,

    /// <summary>The local time of day with microseconds, <c>14:03:07.123456 </c> (strace's <c>-tt</c>).</summary>
    Microseconds,

    /// <summary>Seconds since the Unix epoch with microseconds, <c>1700000587.123456 </c> (strace's <c>-ttt</c>).</summary>
    UnixMicroseconds,
}
