using System.Runtime.InteropServices;

namespace Gadget.Bpf.Interop;

/// <summary>
/// A descriptor (or a libbpf pointer) held valid for the length of one native call: the owning <see cref="SafeHandle"/>
/// (the map's own descriptor, or the handle of the libbpf object that owns a map, program or link) is referenced
/// (<c>DangerousAddRef</c>) until <see cref="Dispose"/>, so a concurrent Dispose closes the descriptor only after the call,
/// and the number cannot be reused by a new map or program meanwhile. Allocates nothing.
/// </summary>
internal readonly ref struct FdLease
{
    private readonly SafeHandle? _owner;

    /// <summary>
    /// References <paramref name="owner"/>; throws <see cref="ObjectDisposedException"/> naming <paramref name="kind"/>
    /// <paramref name="name"/> when it is closed (the message is only made then: a lease allocates nothing).
    /// </summary>
    internal FdLease(SafeHandle owner, int fd, string kind, string name)
    {
        if (owner.IsClosed)
        {
            throw Disposed(kind, name);
        }
        var added = false;
        try
        {
            owner.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            throw Disposed(kind, name); // closed between the check and the reference
        }
        _owner = owner;
        Fd = fd;
    }

    /// <summary>The descriptor, valid until <see cref="Dispose"/>.</summary>
    internal int Fd { get; }

    public void Dispose() => _owner?.DangerousRelease();

    private static ObjectDisposedException Disposed(string kind, string name) => new($"{kind} '{name}'");
}
