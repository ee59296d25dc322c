using System.Runtime.InteropServices;

namespace Gadget.Bpf.Interop;

/// <summary>A Linux file descriptor (BPF map, program, perf event, epoll, eventfd) closed on release.</summary>
internal sealed class FileDescriptorHandle : SafeHandle
{
    internal FileDescriptorHandle(int fd, bool ownsHandle = true)
        : base(-1, ownsHandle)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle < 0;

    internal int Fd => (int)handle;

    protected override bool ReleaseHandle() => Libc.close((int)handle) == 0;
}
