using System.Buffers.Binary;
using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>The system as a process sees it: resource limits (<c>struct rlimit</c> in and out), uname, sysinfo.</summary>
internal sealed class SystemRenderer : SyscallRenderer
{
    /// <summary>The bytes of <c>struct utsname</c> captured: sysname and nodename (65 bytes each), what strace prints.</summary>
    public const int UtsnameCaptured = 2 * UtsnameField;

    /// <summary>The size of <c>struct sysinfo</c> on 64-bit architectures.</summary>
    public const int SysinfoSize = 112;

    private const int UtsnameField = 65;

    public static SystemRenderer Instance { get; } = new();

    public override IReadOnlyList<(string Name, string Formats)> Syscalls { get; } =
    [
        ("prlimit64", "int resource rlimitin rlimitout"), ("uname", "utsname"), ("sysinfo", "sysinfo"),
    ];

    public override bool Renders(ArgumentFormat format) => format is ArgumentFormat.Resource or ArgumentFormat.RlimitIn or ArgumentFormat.RlimitOut
        or ArgumentFormat.Utsname or ArgumentFormat.Sysinfo || base.Renders(format);

    protected override void AppendFormatted(in RenderContext context, ArgumentFormat format, int index, StringBuilder destination)
    {
        ulong raw = context.Argument(index);
        ReadOnlySpan<byte> data;
        switch (format)
        {
            case ArgumentFormat.Resource:
                Constants.Resources.AppendValue(destination, (uint)raw);
                return;
            case ArgumentFormat.RlimitIn or ArgumentFormat.RlimitOut when CaptureText.TryGetStruct(context, index, 16, format == ArgumentFormat.RlimitOut, out data):
                destination.Append("{rlim_cur=");
                AppendLimit(destination, BinaryPrimitives.ReadUInt64LittleEndian(data));
                destination.Append(", rlim_max=");
                AppendLimit(destination, BinaryPrimitives.ReadUInt64LittleEndian(data[8..]));
                destination.Append('}');
                return;
            case ArgumentFormat.Utsname when CaptureText.TryGetStruct(context, index, UtsnameCaptured, written: true, out data):
                destination.Append("{sysname=");
                AppendField(destination, data[..UtsnameField]);
                destination.Append(", nodename=");
                AppendField(destination, data[UtsnameField..]);
                destination.Append(", ...}");
                return;
            case ArgumentFormat.Sysinfo when CaptureText.TryGetStruct(context, index, SysinfoSize, written: true, out data):
                AppendSysinfo(destination, data, context.StringLimit);
                return;
            case ArgumentFormat.RlimitIn or ArgumentFormat.RlimitOut or ArgumentFormat.Utsname or ArgumentFormat.Sysinfo:
                StraceText.AppendPointer(destination, raw);
                return;
            default:
                base.AppendFormatted(context, format, index, destination);
                return;
        }
    }

    // RLIM64_INFINITY, a multiple of 1024 as N*1024, or the number.
    private static void AppendLimit(StringBuilder destination, ulong value)
    {
        if (value == ulong.MaxValue)
        {
            destination.Append("RLIM64_INFINITY");
        }
        else if (value > 1024 && value % 1024 == 0)
        {
            destination.Append(value / 1024).Append("*1024");
        }
        else
        {
            destination.Append(value);
        }
    }

    private static void AppendField(StringBuilder destination, ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        StraceText.AppendQuoted(destination, end < 0 ? field : field[..end], ellipsis: end < 0);
    }

    // long uptime; unsigned long loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap; u16 procs;
    // unsigned long totalhigh, freehigh; u32 mem_unit.
    private static void AppendSysinfo(StringBuilder destination, ReadOnlySpan<byte> data, int stringLimit)
    {
        destination.Append("{uptime=").Append(BinaryPrimitives.ReadInt64LittleEndian(data)).Append(", loads=");
        StraceText.AppendNumberArray(destination,
            [BinaryPrimitives.ReadInt64LittleEndian(data[8..]), BinaryPrimitives.ReadInt64LittleEndian(data[16..]), BinaryPrimitives.ReadInt64LittleEndian(data[24..])], stringLimit);
        destination.Append(", totalram=").Append(BinaryPrimitives.ReadUInt64LittleEndian(data[32..]))
            .Append(", freeram=").Append(BinaryPrimitives.ReadUInt64LittleEndian(data[40..]))
            .Append(", sharedram=").Append(BinaryPrimitives.ReadUInt64LittleEndian(data[48..]))
            .Append(", bufferram=").Append(BinaryPrimitives.ReadUInt64LittleEndian(data[56..]))
            .Append(", totalswap=").Append(BinaryPrimitives.ReadUInt64LittleEndian(data[64..]))
            .Append(", freeswap=").Append(BinaryPrimitives.ReadUInt64LittleEndian(data[72..]))
            .Append(", procs=").Append(BinaryPrimitives.ReadUInt16LittleEndian(data[80..]))
            .Append(", totalhigh=").Append(BinaryPrimitives.ReadUInt64LittleEndian(data[88..]))
            .Append(", freehigh=").Append(BinaryPrimitives.ReadUInt64LittleEndian(data[96..]))
            .Append(", mem_unit=").Append(BinaryPrimitives.ReadUInt32LittleEndian(data[104..])).Append('}');
    }
}
