using System.Buffers.Binary;
using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>Clocks: clock ids by name, timespecs the kernel wrote.</summary>
internal sealed class TimeRenderer : SyscallRenderer
{
    public static TimeRenderer Instance { get; } = new();

    public override IReadOnlyList<(string Name, string Formats)> Syscalls { get; } =
        [("clock_gettime", "clockid timespecout"), ("clock_getres", "clockid timespecout")];

    public override bool Renders(ArgumentFormat format) => format is ArgumentFormat.ClockId or ArgumentFormat.TimespecOut || base.Renders(format);

    protected override void AppendFormatted(in RenderContext context, ArgumentFormat format, int index, StringBuilder destination)
    {
        ulong raw = context.Argument(index);
        switch (format)
        {
            case ArgumentFormat.ClockId:
                Constants.ClockIds.AppendValue(destination, (uint)raw);
                break;
            case ArgumentFormat.TimespecOut:
                if (raw != 0 && !context.Failed && context.FindCapture(index) is { Status: CaptureStatus.Complete } time && time.Data.Length >= 16)
                {
                    var span = time.Data.Span;
                    destination.Append("{tv_sec=").Append(BinaryPrimitives.ReadInt64LittleEndian(span))
                        .Append(", tv_nsec=").Append(BinaryPrimitives.ReadInt64LittleEndian(span[8..])).Append('}');
                }
                else
                {
                    StraceText.AppendPointer(destination, raw);
                }
                break;
            default:
                base.AppendFormatted(context, format, index, destination);
                break;
        }
    }
}
