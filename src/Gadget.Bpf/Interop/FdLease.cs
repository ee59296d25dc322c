using System.Runtime.InteropServices;

namespace Gadget.Bpf.Interop;

/// <summary>
/// A descriptor held open for the length of one native call: the owning <see cref="SafeHandle"/> is referenced
/// (<c>DangerousAddRef</c>) until <see cref="Dispose"/>, so a concurrent Dispose of the map (or of its object) closes the
/// descriptor only after the call, and the number cannot be reused by a new map meanwhile. Allocates nothing.
/// </summary>
internal readonly ref struct FdLease
{
    private readonly SafeHandle _owner;

    internal FdLease(SafeHandle owner, BpfMap map)
    {
        var added = false;
        owner.DangerousAddRef(ref added);
        try
        {
            Fd = map.FileDescriptor;
        }
        catch
        {
            owner.DangerousRelease();
            throw;
        }
        _owner = owner;
    }

    /// <summary>The descriptor, valid until <see cref="Dispose"/>.</summary>
    internal int Fd { get; }

    public void Dispose() => _owner?.DangerousRelease();
}
