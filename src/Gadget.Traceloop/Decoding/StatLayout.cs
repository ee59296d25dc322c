using System.Buffers.Binary;
using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>Where <c>struct stat</c> keeps the fields strace shows, per architecture, and strace's abbreviated rendering of it.</summary>
internal sealed class StatLayout
{
    private static readonly StatLayout X86 = new(size: 144, modeOffset: 24, rdevOffset: 40, sizeOffset: 48);
    private static readonly StatLayout Generic = new(size: 128, modeOffset: 16, rdevOffset: 32, sizeOffset: 48);

    private readonly int modeOffset;
    private readonly int rdevOffset;
    private readonly int sizeOffset;

    private StatLayout(int size, int modeOffset, int rdevOffset, int sizeOffset)
    {
        Size = size;
        this.modeOffset = modeOffset;
        this.rdevOffset = rdevOffset;
        this.sizeOffset = sizeOffset;
    }

    /// <summary>The structure's size in bytes.</summary>
    public int Size { get; }

    /// <summary>The layout of <paramref name="architecture"/> (x86-64's own, or asm-generic's for arm64).</summary>
    public static StatLayout For(SyscallArchitecture architecture) => architecture == SyscallArchitecture.Arm64 ? Generic : X86;

    /// <summary>Appends <c>{st_mode=S_IFREG|0644, st_size=38091, ...}</c> (devices: <c>st_rdev=makedev(0x1, 0x3)</c> instead of the size).</summary>
    public void Append(StringBuilder destination, ReadOnlySpan<byte> data)
    {
        uint mode = BinaryPrimitives.ReadUInt32LittleEndian(data[modeOffset..]);
        destination.Append("{st_mode=");
        AppendFileMode(destination, mode);
        if ((mode & 0xf000) is 0x6000 or 0x2000)
        {
            ulong device = BinaryPrimitives.ReadUInt64LittleEndian(data[rdevOffset..]);
            ulong major = ((device >> 8) & 0xfff) | ((device >> 32) & ~0xffful);
            ulong minor = (device & 0xff) | ((device >> 12) & ~0xfful);
            destination.Append(", st_rdev=makedev(");
            StraceText.AppendHexOrZero(destination, major);
            destination.Append(", ");
            StraceText.AppendHexOrZero(destination, minor);
            destination.Append(')');
        }
        else
        {
            destination.Append(", st_size=").Append(BinaryPrimitives.ReadInt64LittleEndian(data[sizeOffset..]));
        }
        destination.Append(", ...}");
    }

    /// <summary>Appends a file type and mode as strace does: <c>S_IFDIR|S_ISVTX|0777</c>.</summary>
    public static void AppendFileMode(StringBuilder destination, uint mode)
    {
        string? type = (mode & 0xf000) switch
        {
            0xc000 => "S_IFSOCK",
            0xa000 => "S_IFLNK",
            0x8000 => "S_IFREG",
            0x6000 => "S_IFBLK",
            0x4000 => "S_IFDIR",
            0x2000 => "S_IFCHR",
            0x1000 => "S_IFIFO",
            _ => null,
        };
        if (type is not null)
        {
            destination.Append(type).Append('|');
        }
        if ((mode & 0x800) != 0)
        {
            destination.Append("S_ISUID|");
        }
        if ((mode & 0x400) != 0)
        {
            destination.Append("S_ISGID|");
        }
        if ((mode & 0x200) != 0)
        {
            destination.Append("S_ISVTX|");
        }
        StraceText.AppendMode(destination, mode & 0x1ff);
    }
}
