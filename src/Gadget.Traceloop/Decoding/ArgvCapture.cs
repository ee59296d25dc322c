namespace Gadget.Traceloop.Decoding;

/// <summary>
/// The limits of the BPF side's string-array capture (bpf/traceloop_captures.h: <c>MAX_ARGV</c>, <c>MAX_ARGV_STRING</c>; a test
/// checks they match): what a <see cref="CaptureStatus.Truncated"/> argv capture can have left out.
/// </summary>
internal static class ArgvCapture
{
    /// <summary>Elements read at most; a partial capture holding this many had more.</summary>
    public const int MaxElements = 8;

    /// <summary>Bytes read per element, its NUL included: an element of <c>ElementSize - 1</c> bytes in a partial capture was cut.</summary>
    public const int ElementSize = 96;
}
