using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>Memory: protections, mmap and mremap flags, madvise advice, memory policies.</summary>
internal sealed class MemoryRenderer : SyscallRenderer
{
    public static MemoryRenderer Instance { get; } = new();

    public override IReadOnlyList<(string Name, string Formats)> Syscalls { get; } =
    [
        ("mmap", "ptr ulong prot mapflags fd hex =hex"), ("mprotect", "ptr ulong prot"), ("munmap", "ptr ulong"), ("brk", "ptr =hex"),
        ("mremap", "ptr ulong ulong mremapflags remapaddress =hex"), ("shmat", "int ptr hex =hex"), ("madvise", "ptr ulong madvice"),
        ("set_mempolicy", "mpolmode ptr ulong"), ("munlockall", ""),
    ];

    public override bool Renders(ArgumentFormat format) => format is ArgumentFormat.Protection or ArgumentFormat.MapFlags
        or ArgumentFormat.RemapFlags or ArgumentFormat.RemapAddress or ArgumentFormat.MadviseAdvice or ArgumentFormat.MemoryPolicy || base.Renders(format);

    /// <summary>mremap's new address is printed only with MREMAP_FIXED.</summary>
    public override int GetArgumentCount(in RenderContext context)
    {
        var formats = context.Decoder!.Formats;
        int count = formats.Length;
        if (count > 1 && formats[count - 1] == ArgumentFormat.RemapAddress && (context.Argument(count - 2) & 2) == 0)
        {
            count--;
        }
        return count;
    }

    protected override void AppendFormatted(in RenderContext context, ArgumentFormat format, int index, StringBuilder destination)
    {
        ulong raw = context.Argument(index);
        switch (format)
        {
            case ArgumentFormat.Protection:
                context.Settings.Constants.Protection.AppendFlags(destination, raw, "PROT_NONE");
                break;
            case ArgumentFormat.MapFlags:
                AppendMapFlags(context, (uint)raw, destination);
                break;
            case ArgumentFormat.RemapFlags:
                Constants.RemapFlags.AppendFlags(destination, (uint)raw);
                break;
            case ArgumentFormat.RemapAddress:
                StraceText.AppendPointer(destination, raw);
                break;
            case ArgumentFormat.MadviseAdvice:
                Constants.MadviseAdvice.AppendValue(destination, (uint)raw);
                break;
            case ArgumentFormat.MemoryPolicy:
                Constants.MemoryPolicyModes.AppendValue(destination, (uint)raw & ~0xe000u);
                Constants.MemoryPolicyFlags.AppendFlags(destination, (uint)raw & 0xe000u, separatorFirst: true);
                break;
            default:
                base.AppendFormatted(context, format, index, destination);
                break;
        }
    }

    // The mapping type, the flags, and the huge page size as "21<<MAP_HUGE_SHIFT".
    private static void AppendMapFlags(in RenderContext context, uint flags, StringBuilder destination)
    {
        Constants.MapTypes.AppendValue(destination, flags & 0xf);
        uint hugeShift = (flags >> 26) & 0x3f;
        context.Settings.Constants.MapFlags.AppendFlags(destination, flags & ~0xfu & ~(0x3fu << 26), separatorFirst: true);
        if (hugeShift != 0)
        {
            destination.Append('|').Append(hugeShift).Append("<<MAP_HUGE_SHIFT");
        }
    }
}
