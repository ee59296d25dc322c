using System.Buffers.Binary;
using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>prctl(2): the option decides how many arguments follow and what they are.</summary>
internal sealed class PrctlRenderer : SyscallRenderer
{
    /// <summary>TASK_COMM_LEN: the size of the buffer PR_SET_NAME reads and PR_GET_NAME fills.</summary>
    public const int NameSize = 16;

    public static PrctlRenderer Instance { get; } = new();

    public override IReadOnlyList<(string Name, string Formats)> Syscalls { get; } = [("prctl", "int prctlarg hex hex hex")];

    public override bool Renders(ArgumentFormat format) => format == ArgumentFormat.PrctlArgument || base.Renders(format);

    public override int GetArgumentCount(in RenderContext context) => (uint)context.Argument(0) switch
    {
        // Getters without arguments: the value is the return value.
        3 or 7 or 13 or 21 or 27 or 30 or 31 or 32 or 34 or 46 => 1,
        1 or 2 or 4 or 8 or 15 or 16 or 23 or 24 or 36 or 37 => 2,
        _ => 5,
    };

    public override void AppendArgument(in RenderContext context, int index, StringBuilder destination)
    {
        uint option = (uint)context.Argument(0);
        ulong argument = context.Argument(1);
        if (index == 0)
        {
            Constants.PrctlOptions.AppendValue(destination, option);
            return;
        }
        if (index >= 2)
        {
            // PR_CAP_AMBIENT's capability; otherwise the unnamed arguments in hex.
            if (option == 47 && index == 2 && argument is >= 1 and <= 3)
            {
                Constants.Capabilities.AppendValue(destination, context.Argument(2));
            }
            else
            {
                StraceText.AppendHexOrZero(destination, context.Argument(index));
            }
            return;
        }
        switch (option)
        {
            case 15:
                AppendName(context, argument, destination, limit: Math.Min(NameSize - 1, context.StringLimit));
                return;
            case 16:
                if (context.Failed)
                {
                    StraceText.AppendPointer(destination, argument);
                }
                else
                {
                    AppendName(context, argument, destination, limit: Math.Min(NameSize, context.StringLimit));
                }
                return;
            case 1:
                StraceText.AppendSignal(destination, (int)argument);
                return;
            case 2 or 37:
                if (!context.Failed && context.FindCapture(1) is { Status: CaptureStatus.Complete } value && value.Data.Length >= 4)
                {
                    int number = BinaryPrimitives.ReadInt32LittleEndian(value.Data.Span);
                    destination.Append('[');
                    if (option == 2)
                    {
                        StraceText.AppendSignal(destination, number);
                    }
                    else
                    {
                        destination.Append(number);
                    }
                    destination.Append(']');
                }
                else
                {
                    StraceText.AppendPointer(destination, argument);
                }
                return;
            case 4:
                Constants.Dumpable.AppendValue(destination, argument);
                return;
            case 8 or 36 or 38:
                destination.Append(argument);
                return;
            case 23 or 24:
                Constants.Capabilities.AppendValue(destination, argument);
                return;
            case 47:
                Constants.CapAmbientOperations.AppendValue(destination, argument);
                return;
            default:
                StraceText.AppendHexOrZero(destination, argument);
                return;
        }
    }

    /// <summary>PR_GET_DUMPABLE: <c>1 (SUID_DUMP_USER)</c>.</summary>
    protected override void AppendSuccess(in RenderContext context, long value, StringBuilder destination)
    {
        if ((uint)context.Argument(0) == 3 && Constants.Dumpable.Lookup((ulong)value) is { } dumpable)
        {
            destination.Append(value).Append(" (").Append(dumpable).Append(')');
            return;
        }
        base.AppendSuccess(context, value, destination);
    }

    // A task name (PR_SET_NAME, PR_GET_NAME): up to the NUL within the buffer, "..." when the buffer holds none.
    private static void AppendName(in RenderContext context, ulong address, StringBuilder destination, int limit)
    {
        if (address == 0)
        {
            destination.Append("NULL");
            return;
        }
        if (context.FindCapture(1) is not { Status: not CaptureStatus.Unreadable } capture || capture.Data.IsEmpty)
        {
            StraceText.AppendPointer(destination, address);
            return;
        }
        var data = capture.Data.Span;
        int end = data.IndexOf((byte)0);
        if (end >= 0)
        {
            data = data[..end];
        }
        bool truncated = data.Length > limit;
        if (truncated)
        {
            data = data[..limit];
        }
        StraceText.AppendQuoted(destination, data, truncated);
    }
}
