using System.Runtime.CompilerServices;

namespace Gadget.Gadgets;

/// <summary>A task's 16-byte <c>comm</c> as it sits in a BPF record.</summary>
[InlineArray(16)]
internal struct Comm
{
    private byte _first;

    /// <summary>The name, up to its NUL.</summary>
    public override readonly string ToString() => RecordText.Decode(this);
}
