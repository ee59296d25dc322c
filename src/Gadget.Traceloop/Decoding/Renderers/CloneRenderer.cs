using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>clone(2): named arguments; the tid pointers and tls only when the flags use them.</summary>
internal sealed class CloneRenderer : SyscallRenderer
{
    private const int Stack = 0, Flags = 1, ParentTid = 2, ChildTid = 3, Tls = 4;

    public static CloneRenderer Instance { get; } = new();

    public override IReadOnlyList<(string Name, string Formats)> Syscalls { get; } = [("clone", "cloneflags ptr ptr ptr hex")];

    public override bool Renders(ArgumentFormat format) => format == ArgumentFormat.CloneFlags || base.Renders(format);

    public override int GetArgumentCount(in RenderContext context)
    {
        int count = 2;
        for (int slot = ParentTid; slot <= Tls; slot++)
        {
            count += Shown(context.Argument(0), slot) ? 1 : 0;
        }
        return count;
    }

    public override void AppendArgument(in RenderContext context, int index, StringBuilder destination)
    {
        ulong flags = context.Argument(0);
        int slot = index;
        if (index >= ParentTid)
        {
            // The index-th printed argument: skip the slots the flags do not use.
            int shown = 1;
            for (slot = ParentTid; slot <= Tls; slot++)
            {
                if (Shown(flags, slot) && ++shown == index)
                {
                    break;
                }
            }
        }
        // x86-64: flags, stack, parent_tid, child_tid, tls; arm64 (CLONE_BACKWARDS): flags, stack, parent_tid, tls, child_tid.
        bool arm = context.Settings.Architecture == SyscallArchitecture.Arm64;
        switch (slot)
        {
            case Stack:
                destination.Append("child_stack=");
                StraceText.AppendPointer(destination, context.Argument(1));
                break;
            case Flags:
                destination.Append("flags=");
                AppendFlags(destination, flags);
                break;
            case ParentTid:
                destination.Append("parent_tid=");
                StraceText.AppendPointer(destination, context.Argument(2));
                break;
            case ChildTid:
                destination.Append("child_tidptr=");
                StraceText.AppendPointer(destination, context.Argument(arm ? 4 : 3));
                break;
            default:
                destination.Append("tls=");
                StraceText.AppendPointer(destination, context.Argument(arm ? 3 : 4));
                break;
        }
    }

    protected override void AppendFormatted(in RenderContext context, ArgumentFormat format, int index, StringBuilder destination)
    {
        if (format == ArgumentFormat.CloneFlags)
        {
            AppendFlags(destination, context.Argument(index));
            return;
        }
        base.AppendFormatted(context, format, index, destination);
    }

    private static bool Shown(ulong flags, int slot) => slot switch
    {
        ParentTid => (flags & (0x100000 | 0x1000)) != 0, // CLONE_PARENT_SETTID, CLONE_PIDFD
        ChildTid => (flags & (0x1000000 | 0x200000)) != 0, // CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID
        _ => (flags & 0x80000) != 0, // CLONE_SETTLS
    };

    // The flags, then the exit signal (the low byte) by name.
    private static void AppendFlags(StringBuilder destination, ulong raw)
    {
        ulong exitSignal = raw & 0xff;
        if ((raw & ~0xfful) != 0 || exitSignal == 0)
        {
            Constants.CloneFlags.AppendFlags(destination, raw & ~0xfful, separatorFirst: false);
        }
        if (exitSignal != 0)
        {
            if ((raw & ~0xfful) != 0)
            {
                destination.Append('|');
            }
            StraceText.AppendSignal(destination, (int)exitSignal);
        }
    }
}
