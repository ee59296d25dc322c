using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>
/// ioctl(2): requests strace knows by name, with the argument's address (the structure behind it is not captured); other
/// requests as <c>_IOC(dir, type, nr, size)</c> with the argument in hex.
/// </summary>
internal sealed class IoctlRenderer : SyscallRenderer
{
    public static IoctlRenderer Instance { get; } = new();

    public override IReadOnlyList<(string Name, string Formats)> Syscalls { get; } = [("ioctl", "fd uint ulong")];

    public override int GetArgumentCount(in RenderContext context) =>
        Constants.IoctlRequestsWithoutArgument.Lookup((uint)context.Argument(1)) is null ? 3 : 2;

    public override void AppendArgument(in RenderContext context, int index, StringBuilder destination)
    {
        uint request = (uint)context.Argument(1);
        switch (index)
        {
            case 0:
                destination.Append((int)context.Argument(0));
                return;
            case 1:
                if ((Constants.IoctlRequests.Lookup(request) ?? Constants.IoctlRequestsWithoutArgument.Lookup(request)) is { } name)
                {
                    destination.Append(name);
                }
                else
                {
                    AppendIoc(destination, request);
                }
                return;
        }
        if (Constants.IoctlRequests.Lookup(request) is not null)
        {
            StraceText.AppendPointer(destination, context.Argument(2));
        }
        else
        {
            StraceText.AppendHexOrZero(destination, context.Argument(2));
        }
    }

    // The generic request encoding (asm-generic/ioctl.h, x86-64 and arm64): nr 8 bits, type 8, size 14, direction 2.
    private static void AppendIoc(StringBuilder destination, uint request)
    {
        uint direction = request >> 30;
        destination.Append("_IOC(").Append(direction switch
        {
            0 => "_IOC_NONE",
            1 => "_IOC_WRITE",
            2 => "_IOC_READ",
            _ => "_IOC_READ|_IOC_WRITE",
        }).Append(", ");
        StraceText.AppendHexOrZero(destination, (request >> 8) & 0xff);
        destination.Append(", ");
        StraceText.AppendHexOrZero(destination, request & 0xff);
        destination.Append(", ");
        StraceText.AppendHexOrZero(destination, (request >> 16) & 0x3fff);
        destination.Append(')');
    }
}
