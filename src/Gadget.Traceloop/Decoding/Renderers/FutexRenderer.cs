using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>futex(2): the command decides which of the other arguments are printed.</summary>
internal sealed class FutexRenderer : SyscallRenderer
{
    private const uint Unknown = uint.MaxValue;

    public static FutexRenderer Instance { get; } = new();

    public override IReadOnlyList<(string Name, string Formats)> Syscalls { get; } = [("futex", "ptr int uint timespecin ptr uint")];

    public override bool Renders(ArgumentFormat format) => format == ArgumentFormat.TimespecIn || base.Renders(format);

    public override int GetArgumentCount(in RenderContext context) => Command(context) switch
    {
        0 => 4,       // uaddr, op, val, timeout
        1 => 3,       // uaddr, op, val
        9 => 5,       // uaddr, op, val, timeout, val3
        10 => 4,      // uaddr, op, val, val3
        7 or 8 => 2,  // uaddr, op
        _ => 6,
    };

    public override void AppendArgument(in RenderContext context, int index, StringBuilder destination)
    {
        uint command = Command(context);
        switch (index)
        {
            case 0:
                StraceText.AppendPointer(destination, context.Argument(0));
                return;
            case 1:
                AppendOperation(context, destination);
                return;
            case 2:
                destination.Append((uint)context.Argument(2));
                return;
        }
        // WAIT_BITSET's and WAKE_BITSET's last printed argument is val3 (the bitset).
        if ((command == 9 && index == 4) || (command == 10 && index == 3))
        {
            if ((uint)context.Argument(5) == uint.MaxValue)
            {
                destination.Append("FUTEX_BITSET_MATCH_ANY");
            }
            else
            {
                StraceText.AppendHexOrZero(destination, (uint)context.Argument(5));
            }
            return;
        }
        if (index == 3 && command is 0 or 9)
        {
            // FUTEX_WAIT's relative and FUTEX_WAIT_BITSET's absolute timeout, read at entry.
            TimeRenderer.AppendTimespecIn(context, 3, destination);
        }
        else if (index == 5)
        {
            StraceText.AppendHexOrZero(destination, (uint)context.Argument(5));
        }
        else
        {
            StraceText.AppendPointer(destination, context.Argument(index));
        }
    }

    // The command's low 7 bits, or Unknown when strace would print the operation as FUTEX_???.
    private static uint Command(in RenderContext context)
    {
        uint op = (uint)context.Argument(1);
        uint command = op & 0x7f;
        return (op & ~0x1ffu) != 0 || Constants.FutexCommands.Lookup(command) is null ? Unknown : command;
    }

    private static void AppendOperation(in RenderContext context, StringBuilder destination)
    {
        uint op = (uint)context.Argument(1);
        if (Command(context) == Unknown)
        {
            StraceText.AppendHex(destination, op);
            destination.Append(" /* FUTEX_??? */");
            return;
        }
        destination.Append(Constants.FutexCommands.Lookup(op & 0x7f));
        if ((op & 0x80) != 0)
        {
            destination.Append("_PRIVATE");
        }
        if ((op & 0x100) != 0)
        {
            destination.Append("|FUTEX_CLOCK_REALTIME");
        }
    }
}
