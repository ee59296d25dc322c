using System.Runtime.InteropServices;

namespace Gadget.Bpf.Interop;

/// <summary>Owns a libbpf <c>struct bpf_object *</c>; releasing it closes the object, its programs and maps.</summary>
internal sealed class BpfObjectHandle : SafeHandle
{
    internal BpfObjectHandle(nint pointer)
        : base(0, ownsHandle: true)
    {
        SetHandle(pointer);
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LibBpf.bpf_object__close(handle);
        return true;
    }
}
