using System.Globalization;
using System.Text;

namespace Gadget.Gadgets;

/// <summary>The names of the flags of <c>mount(2)</c> (<c>MS_*</c>), <c>umount2(2)</c> (<c>MNT_*</c>) and <c>move_mount(2)</c> (<c>MOVE_MOUNT_*</c>), from the UAPI headers.</summary>
internal static class MountFlags
{
    /// <summary>The magic number old callers put in the upper 16 bits of mount's flags (the kernel ignores it).</summary>
    private const ulong MagicMask = 0xffff0000, MagicValue = 0xc0ed0000;

    private static readonly (ulong Bit, string Name)[] Mount =
    [
        (1, "MS_RDONLY"), (2, "MS_NOSUID"), (4, "MS_NODEV"), (8, "MS_NOEXEC"), (16, "MS_SYNCHRONOUS"), (32, "MS_REMOUNT"),
        (64, "MS_MANDLOCK"), (128, "MS_DIRSYNC"), (256, "MS_NOSYMFOLLOW"), (1024, "MS_NOATIME"), (2048, "MS_NODIRATIME"),
        (4096, "MS_BIND"), (8192, "MS_MOVE"), (16384, "MS_REC"), (32768, "MS_SILENT"), (1 << 16, "MS_POSIXACL"),
        (1 << 17, "MS_UNBINDABLE"), (1 << 18, "MS_PRIVATE"), (1 << 19, "MS_SLAVE"), (1 << 20, "MS_SHARED"),
        (1 << 21, "MS_RELATIME"), (1 << 22, "MS_KERNMOUNT"), (1 << 23, "MS_I_VERSION"), (1 << 24, "MS_STRICTATIME"),
        (1 << 25, "MS_LAZYTIME"),
    ];

    private static readonly (ulong Bit, string Name)[] Unmount =
    [
        (1, "MNT_FORCE"), (2, "MNT_DETACH"), (4, "MNT_EXPIRE"), (8, "UMOUNT_NOFOLLOW"),
    ];

    private static readonly (ulong Bit, string Name)[] MoveMount =
    [
        (0x1, "MOVE_MOUNT_F_SYMLINKS"), (0x2, "MOVE_MOUNT_F_AUTOMOUNTS"), (0x4, "MOVE_MOUNT_F_EMPTY_PATH"),
        (0x10, "MOVE_MOUNT_T_SYMLINKS"), (0x20, "MOVE_MOUNT_T_AUTOMOUNTS"), (0x40, "MOVE_MOUNT_T_EMPTY_PATH"),
        (0x100, "MOVE_MOUNT_SET_GROUP"), (0x200, "MOVE_MOUNT_BENEATH"),
    ];

    // The texts of the flags seen last, one per slot of a small direct-mapped cache (a node's mounts use a handful of
    // combinations): an entry is replaced whole, so readers on several threads see one pair or the other.
    private const int CacheSlots = 32;
    private static readonly Tuple<MountOperation, ulong, string>?[] Cache = new Tuple<MountOperation, ulong, string>?[CacheSlots];

    /// <summary>
    /// <paramref name="flags"/> as names joined by <c>|</c> (bits without a name as one hex number at the end), <c>0</c>
    /// when none; mount's magic <c>0xC0ED</c> in the upper 16 bits is left out, as the kernel ignores it. The text of a
    /// combination seen a moment ago is reused (no allocation).
    /// </summary>
    public static string Format(MountOperation operation, ulong flags)
    {
        var slot = (int)((flags ^ (flags >> 17) ^ ((ulong)operation * 0x9E37)) % CacheSlots);
        if (Volatile.Read(ref Cache[slot]) is { } cached && cached.Item1 == operation && cached.Item2 == flags)
        {
            return cached.Item3;
        }
        var text = Compose(operation, flags);
        Volatile.Write(ref Cache[slot], Tuple.Create(operation, flags, text));
        return text;
    }

    private static string Compose(MountOperation operation, ulong flags)
    {
        if (operation == MountOperation.Mount && (flags & MagicMask) == MagicValue)
        {
            flags &= ~MagicMask;
        }
        if (flags == 0)
        {
            return "0";
        }
        var table = operation switch
        {
            MountOperation.Unmount => Unmount,
            MountOperation.MoveMount => MoveMount,
            _ => Mount,
        };
        var text = new StringBuilder();
        foreach (var (bit, name) in table)
        {
            if ((flags & bit) != 0)
            {
                text.Append(text.Length == 0 ? "" : "|").Append(name);
                flags &= ~bit;
            }
        }
        if (flags != 0)
        {
            text.Append(text.Length == 0 ? "" : "|").Append("0x").Append(flags.ToString("x", CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }
}
