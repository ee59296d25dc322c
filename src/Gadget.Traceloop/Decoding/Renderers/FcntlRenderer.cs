using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>fcntl(2): the third argument depends on the command (absent for the getters); the getters' results are explained.</summary>
internal sealed class FcntlRenderer : SyscallRenderer
{
    public static FcntlRenderer Instance { get; } = new();

    public override IReadOnlyList<(string Name, string Formats)> Syscalls { get; } = [("fcntl", "fd int hex")];

    public override int GetArgumentCount(in RenderContext context) =>
        (uint)context.Argument(1) is 1 or 3 or 9 or 11 or 1025 or 1032 or 1034 or 1035 or 1037 ? 2 : 3;

    public override void AppendArgument(in RenderContext context, int index, StringBuilder destination)
    {
        uint command = (uint)context.Argument(1);
        ulong argument = context.Argument(2);
        switch (index)
        {
            case 0:
                destination.Append((int)context.Argument(0));
                return;
            case 1:
                Constants.FcntlCommands.AppendValue(destination, command);
                return;
        }
        switch (command)
        {
            case 2:
                if ((argument & 1) != 0)
                {
                    destination.Append("FD_CLOEXEC");
                    if ((argument & ~1ul) != 0)
                    {
                        destination.Append('|');
                        StraceText.AppendHex(destination, argument & ~1ul);
                    }
                }
                else
                {
                    StraceText.AppendHexOrZero(destination, argument);
                }
                return;
            case 4:
                FileRenderer.AppendOpenFlags(context, argument, destination);
                return;
            case 0 or 8 or 1026 or 1030 or 1031:
                destination.Append((int)argument);
                return;
            case 10:
                if (argument == 0)
                {
                    destination.Append('0');
                }
                else
                {
                    StraceText.AppendSignal(destination, (int)argument);
                }
                return;
            case 1024:
                Constants.LockTypes.AppendValue(destination, argument);
                return;
            case 5 or 6 or 7 or 15 or 16 or 36 or 37 or 38 or 1036 or 1038:
                StraceText.AppendPointer(destination, argument);
                return;
            default:
                StraceText.AppendHexOrZero(destination, argument);
                return;
        }
    }

    // The getters return flags strace explains: "0x1 (flags FD_CLOEXEC)", "0x8002 (flags O_RDWR|O_LARGEFILE)", "0x2 (F_UNLCK)".
    protected override void AppendSuccess(in RenderContext context, long value, StringBuilder destination)
    {
        switch ((uint)context.Argument(1))
        {
            case 1 when value != 0:
                StraceText.AppendHex(destination, (ulong)value);
                destination.Append(" (flags ");
                if ((value & 1) != 0)
                {
                    destination.Append("FD_CLOEXEC");
                }
                if ((value & ~1L) != 0)
                {
                    if ((value & 1) != 0)
                    {
                        destination.Append('|');
                    }
                    StraceText.AppendHex(destination, (ulong)(value & ~1L));
                }
                destination.Append(')');
                return;
            case 3:
                StraceText.AppendHexOrZero(destination, (ulong)value);
                destination.Append(" (flags ");
                FileRenderer.AppendOpenFlags(context, (ulong)value, destination);
                destination.Append(')');
                return;
            case 1025:
                StraceText.AppendHexOrZero(destination, (ulong)value);
                destination.Append(" (");
                Constants.LockTypes.AppendValue(destination, (ulong)value);
                destination.Append(')');
                return;
            default:
                base.AppendSuccess(context, value, destination);
                return;
        }
    }
}
