namespace Gadget.Traceloop.Decoding;

/// <summary>How <see cref="SyscallFormatter"/> prints syscalls.</summary>
public sealed class SyscallFormatterOptions
{
    /// <summary>Bytes of a string or buffer printed before <c>...</c> (strace's <c>-s</c>; default 32).</summary>
    public int StringLimit { get; init; } = 32;

    /// <summary>Prefix each line with <c>[pid TID] </c> (the thread id, like <c>strace -f</c> on a terminal).</summary>
    public bool IncludeThreadId { get; init; }

    /// <summary>Prefix each line with the entry time in seconds since boot, with microseconds (<c>1234.567890 </c>).</summary>
    public bool IncludeTimestamp { get; init; }

    /// <summary>The default options: strace's defaults (<c>-s 32</c>, no prefix).</summary>
    public static SyscallFormatterOptions Default { get; } = new();
}
