using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>The stat family: <c>struct stat</c> read at exit, abbreviated as strace does.</summary>
internal sealed class StatRenderer : SyscallRenderer
{
    public static StatRenderer Instance { get; } = new();

    public override IReadOnlyList<(string Name, string Formats)> Syscalls { get; } =
    [
        ("stat", "path statbuf"), ("lstat", "path statbuf"), ("fstat", "fd statbuf"), ("newfstatat", "dirfd path statbuf atflags"),
        ("statx", "dirfd path atflags hex ptr"),
    ];

    public override bool Renders(ArgumentFormat format) => format == ArgumentFormat.StatBuffer || base.Renders(format);

    protected override void AppendFormatted(in RenderContext context, ArgumentFormat format, int index, StringBuilder destination)
    {
        if (format != ArgumentFormat.StatBuffer)
        {
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
