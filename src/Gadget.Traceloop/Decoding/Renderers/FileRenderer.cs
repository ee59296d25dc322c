using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>Files and descriptors: open flags and modes, access modes, seek origins, advice, pipe and dup flags, epoll, directory entries, iovecs.</summary>
internal sealed class FileRenderer : SyscallRenderer
{
    public static FileRenderer Instance { get; } = new();

    public override IReadOnlyList<(string Name, string Formats)> Syscalls { get; } =
    [
        ("read", "fd bufout ulong"), ("write", "fd bufin:2 ulong"), ("pread64", "fd bufout ulong long"), ("pwrite64", "fd bufin:2 ulong long"),
        ("open", "path openflags openmode"), ("openat", "dirfd path openflags openmode"), ("creat", "path mode"), ("close", "fd"),
        ("access", "path accessmode"), ("faccessat", "dirfd path accessmode"), ("faccessat2", "dirfd path accessmode accessatflags"),
        ("lseek", "fd long whence"), ("dup", "fd"), ("dup2", "fd fd"), ("dup3", "fd fd pipeflags"), ("pipe", "pipefds"), ("pipe2", "pipefds pipeflags"),
        ("getcwd", "pathout ulong"), ("readlink", "path bufout ulong"), ("readlinkat", "dirfd path bufout ulong"),
        ("chdir", "path"), ("fchdir", "fd"), ("chroot", "path"), ("unlink", "path"), ("unlinkat", "dirfd path atflags"), ("rmdir", "path"),
        ("mkdir", "path mode"), ("mkdirat", "dirfd path mode"), ("rename", "path path"), ("renameat", "dirfd path dirfd path"),
        ("renameat2", "dirfd path dirfd path hex"), ("link", "path path"), ("linkat", "dirfd path dirfd path atflags"), ("symlink", "path path"),
        ("symlinkat", "path dirfd path"), ("chmod", "path mode"), ("fchmod", "fd mode"), ("fchmodat", "dirfd path mode"),
        ("truncate", "path long"), ("ftruncate", "fd long"), ("fsync", "fd"), ("fdatasync", "fd"), ("getdents64", "fd dirents ulong"),
        ("umask", "umaskmode"), ("fadvise64", "fd long ulong fadvice"), ("mount", "path path string hex ptr"), ("umount2", "path hex"),
        ("memfd_create", "string hex"), ("mq_timedsend", "int bufin:2 ulong uint ptr"), ("mq_timedreceive", "int bufout ulong ptr ptr"),
        ("epoll_create1", "epollflags"), ("writev", "fd iovecin:2 ulong"), ("readv", "fd iovecout:2 ulong"), ("epoll_ctl", "fd epollop fd ptr"), ("sync", ""), ("inotify_init", ""),
    ];

    public override bool Renders(ArgumentFormat format) => format is ArgumentFormat.OpenFlags or ArgumentFormat.OpenMode
        or ArgumentFormat.AccessMode or ArgumentFormat.AccessAtFlags or ArgumentFormat.Whence or ArgumentFormat.FadviseAdvice
        or ArgumentFormat.PipeFlags or ArgumentFormat.EpollOperation or ArgumentFormat.EpollFlags or ArgumentFormat.DirentBuffer
        or ArgumentFormat.IovecIn or ArgumentFormat.IovecOut or ArgumentFormat.UmaskMode || base.Renders(format);

    /// <summary>open's mode is printed only when the flags have O_CREAT or O_TMPFILE.</summary>
    public override int GetArgumentCount(in RenderContext context)
    {
        var formats = context.Decoder!.Formats;
        int count = formats.Length;
        if (count > 1 && formats[count - 1] == ArgumentFormat.OpenMode && !TakesMode(context, context.Argument(count - 2)))
        {
            count--;
        }
        return count;
    }

    /// <summary>umask(2) returns the previous mask, printed as its argument is.</summary>
    protected override void AppendSuccess(in RenderContext context, long value, StringBuilder destination)
    {
        if (context.Decoder is { Formats: [ArgumentFormat.UmaskMode] })
        {
            StraceText.AppendUmask(destination, (uint)value);
            return;
        }
        base.AppendSuccess(context, value, destination);
    }

    /// <summary>Appends open(2) flags: the access mode, then the other flags.</summary>
    public static void AppendOpenFlags(in RenderContext context, ulong flags, StringBuilder destination)
    {
        destination.Append(Constants.OpenAccessModes.Lookup(flags & 3));
        context.Settings.Constants.OpenFlags.AppendFlags(destination, (uint)flags & ~3u, separatorFirst: true);
    }

    protected override void AppendFormatted(in RenderContext context, ArgumentFormat format, int index, StringBuilder destination)
    {
        ulong raw = context.Argument(index);
        switch (format)
        {
            case ArgumentFormat.OpenFlags:
                AppendOpenFlags(context, raw, destination);
                break;
            case ArgumentFormat.OpenMode:
                StraceText.AppendMode(destination, (uint)raw);
                break;
            case ArgumentFormat.UmaskMode:
                StraceText.AppendUmask(destination, (uint)raw);
                break;
            case ArgumentFormat.AccessMode:
                Constants.AccessModes.AppendFlags(destination, (uint)raw, "F_OK");
                break;
            case ArgumentFormat.AccessAtFlags:
                Constants.AccessAtFlags.AppendFlags(destination, (uint)raw);
                break;
            case ArgumentFormat.Whence:
                Constants.Whence.AppendValue(destination, (uint)raw);
                break;
            case ArgumentFormat.FadviseAdvice:
                Constants.FadviseAdvice.AppendValue(destination, (uint)raw);
                break;
            case ArgumentFormat.PipeFlags:
                Constants.PipeFlags.AppendKnownFlags(destination, (uint)raw, separatorFirst: false);
                break;
            case ArgumentFormat.EpollOperation:
                Constants.EpollOperations.AppendValue(destination, (uint)raw);
                break;
            case ArgumentFormat.EpollFlags:
                Constants.EpollFlags.AppendKnownFlags(destination, (uint)raw, separatorFirst: false);
                break;
            case ArgumentFormat.DirentBuffer:
                // "0x55.. /* 7 entries */": the count the BPF side took from the records the kernel wrote.
                StraceText.AppendPointer(destination, raw);
                if (!context.Failed && context.FindCapture(index) is { Status: CaptureStatus.Complete } entries && entries.Data.Length >= 4)
                {
                    destination.Append(" /* ").Append(System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(entries.Data.Span)).Append(" entries */");
                }
                break;
            case ArgumentFormat.IovecIn:
                IovecText.Append(context, index, context.Decoder!.LengthArguments[index], filled: -1, destination);
                break;
            case ArgumentFormat.IovecOut:
                if (context.Failed)
                {
                    StraceText.AppendPointer(destination, raw);
                }
                else
                {
                    IovecText.Append(context, index, context.Decoder!.LengthArguments[index], context.Record.ReturnValue!.Value, destination);
                }
                break;
            default:
                base.AppendFormatted(context, format, index, destination);
                break;
        }
    }

    private static bool TakesMode(in RenderContext context, ulong flags) => (flags & 0x40) != 0 || (flags & context.Settings.Constants.TmpFileFlag) != 0;
}
