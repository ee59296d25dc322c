namespace Gadget.Traceloop;

/// <summary>Memory the kernel side read behind a pointer argument of a syscall.</summary>
/// <param name="Index">Which argument (0 to 5).</param>
/// <param name="Data">The bytes read (for strings, without the terminating NUL).</param>
/// <param name="Status">Whether the bytes are complete, truncated, or could not be read at all.</param>
public readonly record struct CapturedArgument(int Index, ReadOnlyMemory<byte> Data, CaptureStatus Status);
