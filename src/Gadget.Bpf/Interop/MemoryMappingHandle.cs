using System.Runtime.InteropServices;

namespace Gadget.Bpf.Interop;

/// <summary>A shared memory mapping (<c>mmap</c>) released with <c>munmap</c>.</summary>
internal sealed class MemoryMappingHandle : SafeHandle
{
    private readonly nuint _length;

    private MemoryMappingHandle(nint address, nuint length)
        : base(Libc.MapFailed, ownsHandle: true)
    {
        _length = length;
        SetHandle(address);
    }

    public override bool IsInvalid => handle == Libc.MapFailed || handle == 0;

    /// <summary>The start of the mapping.</summary>
    internal unsafe byte* Address => (byte*)handle;

    /// <summary>Maps <paramref name="length"/> bytes of <paramref name="fd"/> shared, or throws a typed exception.</summary>
    internal static MemoryMappingHandle Map(int fd, nuint length, int protection, string what)
    {
        var address = Libc.mmap(0, length, protection, Libc.MAP_SHARED, fd, 0);
        if (address == Libc.MapFailed)
        {
            throw Errno.ToException(Errno.Last, $"mmap {length} bytes of {what}");
        }
        return new MemoryMappingHandle(address, length);
    }

    protected override bool ReleaseHandle() => Libc.munmap(handle, _length) == 0;
}
