using System.Runtime.CompilerServices;

namespace Gadget.Gadgets;

/// <summary>The 256-byte path buffer of <c>struct open_event</c>.</summary>
[InlineArray(OpenSnoop.PathBufferSize)]
internal struct OpenPath
{
    private byte _first;

    /// <summary>The path, up to its NUL.</summary>
    public override readonly string ToString() => RecordText.Decode(this);
}
