using System.Buffers.Binary;
using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>Signals: signal numbers by name, sigprocmask's how, signal sets and <c>struct sigaction</c> (read at entry and exit).</summary>
internal sealed class SignalRenderer : SyscallRenderer
{
    public static SignalRenderer Instance { get; } = new();

    public override IReadOnlyList<(string Name, string Formats)> Syscalls { get; } =
    [
        ("kill", "int signal"), ("tkill", "int signal"), ("tgkill", "int int signal"), ("rt_sigaction", "signal sigactionin sigactionout ulong"),
        ("rt_sigprocmask", "sighow sigsetin sigsetout ulong"), ("rt_sigreturn", ""), ("pause", ""),
    ];

    public override bool Renders(ArgumentFormat format) => format is ArgumentFormat.Signal or ArgumentFormat.SigprocmaskHow
        or ArgumentFormat.SigactionIn or ArgumentFormat.SigactionOut or ArgumentFormat.SigsetIn or ArgumentFormat.SigsetOut || base.Renders(format);

    protected override void AppendFormatted(in RenderContext context, ArgumentFormat format, int index, StringBuilder destination)
    {
        switch (format)
        {
            case ArgumentFormat.Signal:
                StraceText.AppendSignal(destination, (int)context.Argument(index));
                break;
            case ArgumentFormat.SigprocmaskHow:
                Constants.SigprocmaskHow.AppendValue(destination, (uint)context.Argument(index));
                break;
            case ArgumentFormat.SigactionIn or ArgumentFormat.SigactionOut:
                if (CaptureText.TryGetStruct(context, index, SignalText.SigactionSize, format == ArgumentFormat.SigactionOut, out var action))
                {
                    SignalText.AppendSigaction(destination, action);
                }
                else
                {
                    StraceText.AppendPointer(destination, context.Argument(index));
                }
                break;
            case ArgumentFormat.SigsetIn or ArgumentFormat.SigsetOut:
                // strace reads the set only when the size argument (after it) is the kernel's.
                if ((long)context.Argument(3) == SignalText.SigsetSize
                    && CaptureText.TryGetStruct(context, index, SignalText.SigsetSize, format == ArgumentFormat.SigsetOut, out var set))
                {
                    SignalText.AppendSigset(destination, BinaryPrimitives.ReadUInt64LittleEndian(set));
                }
                else
                {
                    StraceText.AppendPointer(destination, context.Argument(index));
                }
                break;
            default:
                base.AppendFormatted(context, format, index, destination);
                break;
        }
    }
}
