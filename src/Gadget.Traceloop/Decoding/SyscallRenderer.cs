using System.Buffers.Binary;
using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>
/// Renders the syscalls of one family as strace prints them: how many arguments are printed, each printed argument, and
/// the return value. Both <see cref="SyscallFormatter"/> (one strace line) and <see cref="SyscallJsonFormatter"/> (an
/// argument array and a return text) render through it, so they cannot disagree. Stateless: one instance per family.
/// </summary>
/// <remarks>
/// The base renders the formats every family shares (numbers, fds, addresses, strings, buffers, socket addresses, argv,
/// modes, AT_* flags, fd pairs); a family renders its own formats (<see cref="AppendFormatted"/>), or its syscalls' whole argument
/// lists when the printed arguments are not the registers one to one (fcntl, prctl, futex, clone, ioctl).
/// </remarks>
internal abstract class SyscallRenderer
{
    /// <summary>The syscalls this family renders, each with its argument formats (see <see cref="DecoderTable"/>).</summary>
    public virtual IReadOnlyList<(string Name, string Formats)> Syscalls => [];

    /// <summary>Whether this renderer prints <paramref name="format"/> (a declared syscall using another one is a bug).</summary>
    public virtual bool Renders(ArgumentFormat format) => format is ArgumentFormat.Int or ArgumentFormat.UInt or ArgumentFormat.Long
        or ArgumentFormat.ULong or ArgumentFormat.Hex or ArgumentFormat.Pointer or ArgumentFormat.Fd or ArgumentFormat.DirFd
        or ArgumentFormat.Path or ArgumentFormat.String or ArgumentFormat.BufferIn or ArgumentFormat.BufferOut
        or ArgumentFormat.BufferOutHex or ArgumentFormat.PathOut or ArgumentFormat.Sockaddr or ArgumentFormat.StringArray
        or ArgumentFormat.Mode or ArgumentFormat.AtFlags or ArgumentFormat.PipeFds;

    /// <summary>How many arguments strace prints.</summary>
    public virtual int GetArgumentCount(in RenderContext context) => context.Decoder?.Formats.Length ?? 6;

    /// <summary>Appends printed argument <paramref name="index"/> (below <see cref="GetArgumentCount"/>).</summary>
    public virtual void AppendArgument(in RenderContext context, int index, StringBuilder destination)
    {
        var formats = context.Decoder?.Formats;
        if (formats is null || index >= formats.Length)
        {
            StraceText.AppendHexOrZero(destination, context.Argument(index));
            return;
        }
        AppendFormatted(context, formats[index], index, destination);
    }

    /// <summary>Appends the return part as strace prints it after <c>" = "</c>: <c>3</c>, <c>0x7f..</c>, <c>-1 ENOENT (...)</c>, <c>?</c>.</summary>
    public void AppendReturn(in RenderContext context, StringBuilder destination)
    {
        if (context.Record.ReturnValue is not long value)
        {
            destination.Append('?');
            return;
        }
        if (value < 0 && value >= -4095)
        {
            int errno = (int)-value;
            string? name = ErrnoNames.GetName(errno);
            destination.Append(ErrnoNames.IsRestart(errno) ? "? " : "-1 ");
            if (name is null)
            {
                destination.Append("errno ").Append(errno).Append(" (Unknown error ").Append(errno).Append(')');
                return;
            }
            destination.Append(name).Append(" (").Append(ErrnoNames.GetDescription(errno)).Append(')');
            return;
        }
        AppendSuccess(context, value, destination);
    }

    /// <summary>Appends a successful return value: decimal, or hex for addresses.</summary>
    protected virtual void AppendSuccess(in RenderContext context, long value, StringBuilder destination)
    {
        if (context.Decoder is { HexReturn: true })
        {
            StraceText.AppendHexOrZero(destination, (ulong)value);
        }
        else
        {
            destination.Append(value);
        }
    }

    /// <summary>Appends register <paramref name="index"/> as <paramref name="format"/> says.</summary>
    protected virtual void AppendFormatted(in RenderContext context, ArgumentFormat format, int index, StringBuilder destination)
    {
        ulong raw = context.Argument(index);
        switch (format)
        {
            case ArgumentFormat.Int:
            case ArgumentFormat.Fd:
                destination.Append((int)raw);
                break;
            case ArgumentFormat.UInt:
                destination.Append((uint)raw);
                break;
            case ArgumentFormat.Long:
                destination.Append((long)raw);
                break;
            case ArgumentFormat.ULong:
                destination.Append(raw);
                break;
            case ArgumentFormat.Pointer:
                StraceText.AppendPointer(destination, raw);
                break;
            case ArgumentFormat.DirFd:
                if ((int)raw == -100)
                {
                    destination.Append("AT_FDCWD");
                }
                else
                {
                    destination.Append((int)raw);
                }
                break;
            case ArgumentFormat.Path:
                CaptureText.AppendString(context, index, destination, limit: int.MaxValue);
                break;
            case ArgumentFormat.String:
                CaptureText.AppendString(context, index, destination, context.StringLimit);
                break;
            case ArgumentFormat.BufferIn:
                CaptureText.AppendBuffer(context, index, destination, (long)context.Argument(context.Decoder!.LengthArguments[index]), forceHex: false, pathLike: false);
                break;
            case ArgumentFormat.BufferOut:
            case ArgumentFormat.BufferOutHex:
            case ArgumentFormat.PathOut:
                if (context.Failed)
                {
                    StraceText.AppendPointer(destination, raw);
                }
                else
                {
                    CaptureText.AppendBuffer(context, index, destination, context.Record.ReturnValue!.Value, format == ArgumentFormat.BufferOutHex, format == ArgumentFormat.PathOut);
                }
                break;
            case ArgumentFormat.Sockaddr:
                if (raw == 0)
                {
                    destination.Append("NULL");
                }
                else if (context.FindCapture(index) is { Status: not CaptureStatus.Unreadable } sockaddr)
                {
                    StraceText.AppendSockaddr(destination, sockaddr.Data.Span, context.StringLimit);
                }
                else
                {
                    StraceText.AppendPointer(destination, raw);
                }
                break;
            case ArgumentFormat.StringArray:
                CaptureText.AppendStringArray(context, index, destination);
                break;
            case ArgumentFormat.PipeFds:
                if (context.Record.ReturnValue == 0 && context.FindCapture(index) is { Status: CaptureStatus.Complete } fds && fds.Data.Length >= 8)
                {
                    var span = fds.Data.Span;
                    StraceText.AppendNumberArray(destination, [BinaryPrimitives.ReadInt32LittleEndian(span), BinaryPrimitives.ReadInt32LittleEndian(span[4..])], context.StringLimit);
                }
                else
                {
                    StraceText.AppendPointer(destination, raw);
                }
                break;
            case ArgumentFormat.Mode:
                StraceText.AppendMode(destination, (uint)raw);
                break;
            case ArgumentFormat.AtFlags:
                Constants.AtFlags.AppendFlags(destination, (uint)raw);
                break;
            default:
                StraceText.AppendHexOrZero(destination, raw);
                break;
        }
    }
}
