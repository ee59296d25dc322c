namespace Gadget.Traceloop;

/// <summary>How one argument of a syscall is captured: the kind, and the argument that holds its length (or a fixed size).</summary>
/// <param name="Kind">What to read.</param>
/// <param name="LengthArgument">For <see cref="ArgumentCapture.BufferIn"/> and <see cref="ArgumentCapture.SockaddrIn"/>: the index of the argument holding the length; otherwise -1.</param>
/// <param name="FixedSize">For <see cref="ArgumentCapture.StructOut"/>: the structure's size in bytes; otherwise 0.</param>
public readonly record struct ArgumentCaptureSpec(ArgumentCapture Kind, int LengthArgument = -1, int FixedSize = 0)
{
    /// <summary>Nothing captured.</summary>
    public static ArgumentCaptureSpec None => new(ArgumentCapture.None);
}
