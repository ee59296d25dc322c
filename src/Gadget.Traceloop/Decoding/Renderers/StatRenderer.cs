using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>The stat family: <c>struct stat</c> read at exit, abbreviated as strace does; statx's flags and mask.</summary>
internal sealed class StatRenderer : SyscallRenderer
{
    public static StatRenderer Instance { get; } = new();

    public override IReadOnlyList<(string Name, string Formats)> Syscalls { get; } =
    [
        ("stat", "path statbuf"), ("lstat", "path statbuf"), ("fstat", "fd statbuf"), ("newfstatat", "dirfd path statbuf atflags"),
        ("statx", "dirfd path statxflags statxmask statxbuf"),
    ];

    public override bool Renders(ArgumentFormat format) => format is ArgumentFormat.StatBuffer or ArgumentFormat.StatxBuffer or ArgumentFormat.StatxFlags or ArgumentFormat.StatxMask || base.Renders(format);

    protected override void AppendFormatted(in RenderContext context, ArgumentFormat format, int index, StringBuilder destination)
    {
        uint raw = (uint)context.Argument(index);
        switch (format)
        {
            case ArgumentFormat.StatxFlags:
                // The sync type first (AT_STATX_SYNC_AS_STAT is zero), then the other AT_* flags.
                if ((raw & 0x6000) == 0)
                {
                    destination.Append("AT_STATX_SYNC_AS_STAT");
                }
                else
                {
                    Constants.AtFlags.AppendFlags(destination, raw & 0x6000);
                }
                Constants.AtFlags.AppendFlags(destination, raw & ~0x6000u, separatorFirst: true);
                return;
            case ArgumentFormat.StatxMask:
                Constants.StatxMasks.AppendKnownFlags(destination, raw, separatorFirst: false);
                return;
            case ArgumentFormat.StatxBuffer:
                if (CaptureText.TryGetStruct(context, index, StatxLayout.Size, written: true, out var statx))
                {
                    StatxLayout.Append(destination, statx);
                }
                else
                {
                    StraceText.AppendPointer(destination, context.Argument(index));
                }
                return;
            case not ArgumentFormat.StatBuffer:
                base.AppendFormatted(context, format, index, destination);
                return;
        }
        var layout = StatLayout.For(context.Settings.Architecture);
        if (context.Record.ReturnValue == 0 && context.FindCapture(index) is { Status: CaptureStatus.Complete } stat && stat.Data.Length >= layout.Size)
        {
            layout.Append(destination, stat.Data.Span);
        }
        else
        {
            StraceText.AppendPointer(destination, context.Argument(index));
        }
    }
}
