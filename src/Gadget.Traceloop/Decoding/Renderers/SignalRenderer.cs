using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>Signals: signal numbers by name, sigprocmask's how.</summary>
internal sealed class SignalRenderer : SyscallRenderer
{
    public static SignalRenderer Instance { get; } = new();

    public override IReadOnlyList<(string Name, string Formats)> Syscalls { get; } =
    [
        ("kill", "int signal"), ("tkill", "int signal"), ("tgkill", "int int signal"), ("rt_sigaction", "signal ptr ptr ulong"),
        ("rt_sigprocmask", "sighow ptr ptr ulong"), ("rt_sigreturn", ""), ("pause", ""),
    ];

    public override bool Renders(ArgumentFormat format) => format is ArgumentFormat.Signal or ArgumentFormat.SigprocmaskHow || base.Renders(format);

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
            default:
                base.AppendFormatted(context, format, index, destination);
                break;
        }
    }
}
