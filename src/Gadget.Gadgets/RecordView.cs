using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gadget.Gadgets;

/// <summary>
/// A record's bytes seen in place, without a copy, as the struct Gadget.Bpf.Generators generated from the gadget object's
/// BTF (namespaces <c>Gadget.Gadgets.Bpf.*</c>, listed as <c>&lt;BpfObject&gt;</c> items in the project).
/// </summary>
internal static class RecordView
{
    /// <summary>
    /// The first <c>sizeof(T)</c> bytes of <paramref name="record"/> (which must have that many) as a <typeparamref name="T"/>.
    /// The reference is writable only because the generated structs expose C arrays as <see cref="Span{T}"/> properties,
    /// for which a readonly reference would copy the whole struct: nothing writes through it.
    /// </summary>
    public static ref T Of<T>(ReadOnlySpan<byte> record)
        where T : unmanaged =>
        ref Unsafe.AsRef(in MemoryMarshal.AsRef<T>(record));

    /// <summary>
    /// The fixed part of a variable-length record (a struct whose last member is a large array the record carries only a
    /// used prefix of) as a <typeparamref name="T"/>, in place: <paramref name="record"/> must hold the
    /// <paramref name="fixedPart"/> bytes before that array, and only the members in them may be read.
    /// </summary>
    public static ref T Prefix<T>(ReadOnlySpan<byte> record, int fixedPart)
        where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(record.Length, fixedPart);
        return ref Unsafe.As<byte, T>(ref MemoryMarshal.GetReference(record));
    }
}
