namespace Gadget.Traceloop.Decoding;

/// <summary>
/// Syscalls without a family: decoders derived from the kernel's signatures (the base's shared formats), and unknown
/// syscalls (six hex arguments).
/// </summary>
internal sealed class GenericRenderer : SyscallRenderer
{
    public static GenericRenderer Instance { get; } = new();
}
