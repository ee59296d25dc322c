using System.Buffers.Binary;
using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>poll and ppoll: the pollfd array (read at exit, so it holds both the events asked and the revents returned).</summary>
/// <remarks>ppoll's timeout is the one asked (read at entry); strace also prints what is left of it after the return, which is not captured.</remarks>
internal sealed class PollRenderer : SyscallRenderer
{
    private const int PollfdSize = 8;

    public static PollRenderer Instance { get; } = new();

    /// <summary>POLL* bits.</summary>
    public static FlagTable Events { get; } = new("POLL???",
        (0x1, "POLLIN"), (0x2, "POLLPRI"), (0x4, "POLLOUT"), (0x8, "POLLERR"), (0x10, "POLLHUP"), (0x20, "POLLNVAL"), (0x40, "POLLRDNORM"),
        (0x80, "POLLRDBAND"), (0x100, "POLLWRNORM"), (0x200, "POLLWRBAND"), (0x400, "POLLMSG"), (0x1000, "POLLREMOVE"), (0x2000, "POLLRDHUP"));

    public override IReadOnlyList<(string Name, string Formats)> Syscalls { get; } =
    [
        ("poll", "pollfds:1 uint int"), ("ppoll", "pollfds:1 uint timespecin sigsetin ulong"),
    ];

    public override bool Renders(ArgumentFormat format) => format is ArgumentFormat.PollFds or ArgumentFormat.TimespecIn or ArgumentFormat.SigsetIn || base.Renders(format);

    protected override void AppendFormatted(in RenderContext context, ArgumentFormat format, int index, StringBuilder destination)
    {
        ulong raw = context.Argument(index);
        switch (format)
        {
            case ArgumentFormat.PollFds:
                if (raw == 0 || context.FindCapture(index) is not { Status: not CaptureStatus.Unreadable } capture)
                {
                    StraceText.AppendPointer(destination, raw);
                    return;
                }
                AppendPollfds(context, capture.Data.Span, revents: false, destination);
                return;
            case ArgumentFormat.TimespecIn:
                TimeRenderer.AppendTimespecIn(context, index, destination);
                return;
            case ArgumentFormat.SigsetIn:
                if ((long)context.Argument(4) == SignalText.SigsetSize && CaptureText.TryGetStruct(context, index, SignalText.SigsetSize, written: false, out var set))
                {
                    SignalText.AppendSigset(destination, BinaryPrimitives.ReadUInt64LittleEndian(set));
                }
                else
                {
                    StraceText.AppendPointer(destination, raw);
                }
                return;
            default:
                base.AppendFormatted(context, format, index, destination);
                return;
        }
    }

    // "1 ([{fd=3, revents=POLLIN}])", "0 (Timeout)".
    protected override void AppendSuccess(in RenderContext context, long value, StringBuilder destination)
    {
        destination.Append(value);
        if (value == 0)
        {
            destination.Append(" (Timeout)");
        }
        else if (context.Argument(0) != 0 && context.FindCapture(0) is { Status: not CaptureStatus.Unreadable } capture)
        {
            destination.Append(" (");
            AppendPollfds(context, capture.Data.Span, revents: true, destination);
            destination.Append(')');
        }
    }

    // [{fd=0, events=POLLIN}, ...]: every entry (events), or those with revents; at most the string limit's count, as strace.
    private static void AppendPollfds(in RenderContext context, ReadOnlySpan<byte> data, bool revents, StringBuilder destination)
    {
        long count = (uint)context.Argument(1);
        int captured = data.Length / PollfdSize;
        destination.Append('[');
        int printed = 0;
        for (int i = 0; i < count; i++)
        {
            if (i >= captured || printed >= context.StringLimit)
            {
                destination.Append(printed > 0 ? ", ..." : "...");
                break;
            }
            var entry = data.Slice(i * PollfdSize, PollfdSize);
            ushort events = BinaryPrimitives.ReadUInt16LittleEndian(entry[(revents ? 6 : 4)..]);
            if (revents && events == 0)
            {
                continue;
            }
            if (printed++ > 0)
            {
                destination.Append(", ");
            }
            destination.Append("{fd=").Append(BinaryPrimitives.ReadInt32LittleEndian(entry)).Append(revents ? ", revents=" : ", events=");
            Events.AppendFlags(destination, events);
            destination.Append('}');
        }
        destination.Append(']');
    }
}
