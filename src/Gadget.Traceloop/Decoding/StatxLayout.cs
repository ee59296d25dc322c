using System.Buffers.Binary;
using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary><c>struct statx</c> (the same on every architecture) abbreviated as strace prints it.</summary>
internal static class StatxLayout
{
    /// <summary>The structure's size in bytes.</summary>
    public const int Size = 256;

    private const int MaskOffset = 0, AttributesOffset = 8, ModeOffset = 28, SizeOffset = 40;

    /// <summary>STATX_ATTR_* bits in strace's order.</summary>
    public static FlagTable Attributes { get; } = new("STATX_ATTR_???",
        (0x4, "STATX_ATTR_COMPRESSED"), (0x10, "STATX_ATTR_IMMUTABLE"), (0x20, "STATX_ATTR_APPEND"), (0x40, "STATX_ATTR_NODUMP"),
        (0x800, "STATX_ATTR_ENCRYPTED"), (0x1000, "STATX_ATTR_AUTOMOUNT"), (0x2000, "STATX_ATTR_MOUNT_ROOT"), (0x100000, "STATX_ATTR_VERITY"),
        (0x200000, "STATX_ATTR_DAX"));

    /// <summary>Appends <c>{stx_mask=STATX_BASIC_STATS|STATX_MNT_ID, stx_attributes=0, stx_mode=S_IFREG|0644, stx_size=3, ...}</c>.</summary>
    public static void Append(StringBuilder destination, ReadOnlySpan<byte> data)
    {
        destination.Append("{stx_mask=");
        Constants.StatxMasks.AppendKnownFlags(destination, BinaryPrimitives.ReadUInt32LittleEndian(data[MaskOffset..]), separatorFirst: false);
        destination.Append(", stx_attributes=");
        Attributes.AppendFlags(destination, BinaryPrimitives.ReadUInt64LittleEndian(data[AttributesOffset..]));
        destination.Append(", stx_mode=");
        StatLayout.AppendFileMode(destination, BinaryPrimitives.ReadUInt16LittleEndian(data[ModeOffset..]));
        destination.Append(", stx_size=").Append(BinaryPrimitives.ReadUInt64LittleEndian(data[SizeOffset..])).Append(", ...}");
    }
}
