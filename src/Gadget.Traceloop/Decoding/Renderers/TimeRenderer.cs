using System.Buffers.Binary;
using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>Clocks: clock ids by name, timespecs read at entry (sleeps) and written by the kernel.</summary>
internal sealed class TimeRenderer : SyscallRenderer
{
    public static TimeRenderer Instance { get; } = new();

    public override IReadOnlyList<(string Name, string Formats)> Syscalls { get; } =
    [
        ("clock_gettime", "clockid timespecout"), ("clock_getres", "clockid timespecout"), ("clock_nanosleep", "clockid timerflags timespecin ptr"),
        ("nanosleep", "timespecin ptr"),
    ];

    /// <summary>TIMER_ABSTIME.</summary>
    public static FlagTable TimerFlags { get; } = new(null, (1, "TIMER_ABSTIME"));

    /// <summary>Appends a struct timespec read at entry, or its address.</summary>
    public static void AppendTimespecIn(in RenderContext context, int index, StringBuilder destination)
    {
        if (CaptureText.TryGetStruct(context, index, 16, written: false, out var time))
        {
            AppendTimespec(destination, time);
        }
        else
        {
            StraceText.AppendPointer(destination, context.Argument(index));
        }
    }

    private static void AppendTimespec(StringBuilder destination, ReadOnlySpan<byte> span) =>
        destination.Append("{tv_sec=").Append(BinaryPrimitives.ReadInt64LittleEndian(span))
            .Append(", tv_nsec=").Append(BinaryPrimitives.ReadInt64LittleEndian(span[8..])).Append('}');

    public override bool Renders(ArgumentFormat format) => format is ArgumentFormat.ClockId or ArgumentFormat.TimespecOut or ArgumentFormat.TimespecIn or ArgumentFormat.TimerFlags || base.Renders(format);

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
                    AppendTimespec(destination, time.Data.Span);
                }
                else
                {
                    StraceText.AppendPointer(destination, raw);
                }
                break;
            case ArgumentFormat.TimespecIn:
                AppendTimespecIn(context, index, destination);
                break;
            case ArgumentFormat.TimerFlags:
                TimerFlags.AppendFlags(destination, raw);
                break;
            default:
                base.AppendFormatted(context, format, index, destination);
                break;
        }
    }
}
