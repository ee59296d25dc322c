using System.Runtime.CompilerServices;

namespace Gadget.Gadgets;

/// <summary>A 256-byte string buffer of <c>struct mount_event</c> (source, target, data).</summary>
[InlineArray(256)]
internal struct MountText
{
    private byte _first;

    /// <summary>The text, up to its NUL.</summary>
    public override readonly string ToString() => RecordText.Decode(this);
}
