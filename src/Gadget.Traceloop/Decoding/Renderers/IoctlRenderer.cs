using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>ioctl(2): requests strace knows by name, with the argument's address (the structure behind it is not captured).</summary>
internal sealed class IoctlRenderer : SyscallRenderer
{
    public static IoctlRenderer Instance { get; } = new();

    public override IReadOnlyList<(string Name, string Formats)> Syscalls { get; } = [("ioctl", "fd uint ulong")];

    public override void AppendArgument(in RenderContext context, int index, StringBuilder destination)
    {
        if (index == 0 || Constants.IoctlRequests.Lookup((uint)context.Argument(1)) is not { } request)
        {
            base.AppendArgument(context, index, destination);
            return;
        }
        if (index == 1)
        {
            destination.Append(request);
        }
        else
        {
            StraceText.AppendPointer(destination, context.Argument(2));
        }
    }
}
