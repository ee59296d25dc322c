using System.Runtime.CompilerServices;

namespace Gadget.Gadgets;

/// <summary>The 64-byte file system type buffer of <c>struct mount_event</c>.</summary>
[InlineArray(64)]
internal struct MountFileSystemType
{
    private byte _first;

    /// <summary>The type, up to its NUL.</summary>
    public override readonly string ToString() => RecordText.Decode(this);
}
