using System.Runtime.InteropServices;

namespace Gadget.Bpf.Interop;

/// <summary>Owns a libbpf <c>struct bpf_link *</c>; releasing it detaches the program (unless the link is pinned).</summary>
internal sealed class BpfLinkHandle : SafeHandle
{
    internal BpfLinkHandle(nint pointer)
        : base(0, ownsHandle: true)
    {
        SetHandle(pointer);
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LibBpf.bpf_link__destroy(handle);
        return true;
    }
}
