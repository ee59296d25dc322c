namespace Gadget.Traceloop.Decoding;

/// <summary>One parameter of a syscall as the kernel declares it.</summary>
/// <param name="Name">The parameter's name (e.g. <c>filename</c>).</param>
/// <param name="Type">Its C type (e.g. <c>const char *</c>).</param>
public readonly record struct SyscallParameter(string Name, string Type)
{
    /// <summary>Whether the type is a pointer.</summary>
    public bool IsPointer => Type.Contains('*');
}
