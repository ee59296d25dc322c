using System.Buffers.Binary;
using System.Text;

namespace Gadget.Gadgets;

/// <summary>
/// Reads the values of one enum from raw BTF (the kernel's /sys/kernel/btf/vmlinux): the header, then every type
/// record walked by its kind's size (include/uapi/linux/btf.h), names from the string section. Enough of BTF to name
/// what the running kernel numbers, such as <c>enum skb_drop_reason</c>, whose values change from one kernel to the next.
/// </summary>
internal static class BtfEnumReader
{
    private const ushort Magic = 0xEB9F;
    private const int KindInt = 1, KindArray = 3, KindStruct = 4, KindUnion = 5, KindEnum = 6, KindFuncProto = 13, KindVar = 14, KindDataSec = 15, KindDeclTag = 17, KindEnum64 = 19;

    /// <summary>The members of the enum named <paramref name="name"/> (value to name), or null when the BTF has no such enum.</summary>
    /// <exception cref="InvalidDataException">The bytes are not BTF this reader understands.</exception>
    public static Dictionary<long, string>? Read(ReadOnlySpan<byte> btf, string name)
    {
        if (btf.Length < 24 || BinaryPrimitives.ReadUInt16LittleEndian(btf) != Magic)
        {
            throw new InvalidDataException("Not little-endian BTF (bad magic).");
        }
        var headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(btf[4..]);
        var typeOffset = (int)BinaryPrimitives.ReadUInt32LittleEndian(btf[8..]);
        var typeLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(btf[12..]);
        var stringOffset = (int)BinaryPrimitives.ReadUInt32LittleEndian(btf[16..]);
        var stringLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(btf[20..]);
        if (headerLength < 24 || (long)headerLength + typeOffset + typeLength > btf.Length || (long)headerLength + stringOffset + stringLength > btf.Length)
        {
            throw new InvalidDataException("BTF sections lie outside the data.");
        }
        var types = btf.Slice(headerLength + typeOffset, typeLength);
        var strings = btf.Slice(headerLength + stringOffset, stringLength);
        var wanted = Encoding.UTF8.GetBytes(name);
        var position = 0;
        while (position + 12 <= types.Length)
        {
            var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(types[position..]);
            var info = BinaryPrimitives.ReadUInt32LittleEndian(types[(position + 4)..]);
            var count = (int)(info & 0xFFFF);
            var kind = (int)((info >> 24) & 0x1F);
            position += 12;
            var memberSize = kind switch
            {
                KindEnum or KindFuncProto => 8,
                KindStruct or KindUnion or KindDataSec or KindEnum64 => 12,
                _ => 0,
            };
            var extra = kind switch
            {
                KindInt or KindVar or KindDeclTag => 4,
                KindArray => 12,
                _ => count * memberSize,
            };
            if (position + extra > types.Length)
            {
                throw new InvalidDataException("A BTF type runs past the type section.");
            }
            if ((kind == KindEnum || kind == KindEnum64) && String(strings, nameOffset).SequenceEqual(wanted))
            {
                var values = new Dictionary<long, string>(count);
                for (var i = 0; i < count; i++)
                {
                    var member = types.Slice(position + i * memberSize, memberSize);
                    var value = kind == KindEnum
                        ? BinaryPrimitives.ReadInt32LittleEndian(member[4..])
                        : (long)(BinaryPrimitives.ReadUInt32LittleEndian(member[4..]) | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(member[8..]) << 32));
                    values.TryAdd(value, Encoding.UTF8.GetString(String(strings, BinaryPrimitives.ReadUInt32LittleEndian(member))));
                }
                return values;
            }
            position += extra;
        }
        return null;
    }

    private static ReadOnlySpan<byte> String(ReadOnlySpan<byte> strings, uint offset)
    {
        if (offset >= strings.Length)
        {
            return [];
        }
        var rest = strings[(int)offset..];
        var end = rest.IndexOf((byte)0);
        return end < 0 ? rest : rest[..end];
    }
}
