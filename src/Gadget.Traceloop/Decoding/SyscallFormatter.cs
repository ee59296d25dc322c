using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.ObjectPool;

namespace Gadget.Traceloop.Decoding;

/// <summary>
/// Prints <see cref="SyscallRecord"/>s as strace does, one line per syscall, e.g.
/// <c>openat(AT_FDCWD, "/etc/hostname", O_RDONLY|O_CLOEXEC) = 3</c>. Thread-safe and reusable; formatting into a
/// caller's <see cref="StringBuilder"/> allocates nothing once the builder has grown.
/// </summary>
public sealed class SyscallFormatter
{
    private static readonly ObjectPool<StringBuilder> BuilderPool = new DefaultObjectPoolProvider().CreateStringBuilderPool(256, 64 * 1024);

    private readonly Constants constants;

    /// <summary>Creates a formatter for <paramref name="catalog"/>'s architecture (default: this machine's).</summary>
    public SyscallFormatter(SyscallFormatterOptions? options = null, SyscallCatalog? catalog = null)
    {
        Options = options ?? SyscallFormatterOptions.Default;
        if (Options.StringLimit < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.StringLimit, "The string limit cannot be negative.");
        }
        Catalog = catalog ?? SyscallCatalog.Current;
        constants = Constants.For(Catalog.Architecture);
    }

    /// <summary>The options.</summary>
    public SyscallFormatterOptions Options { get; }

    /// <summary>The syscall catalog used for names and argument formats.</summary>
    public SyscallCatalog Catalog { get; }

    /// <summary>Appends one strace line for <paramref name="record"/> (without a newline) to <paramref name="destination"/>.</summary>
    public void Format(SyscallRecord record, StringBuilder destination)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(destination);
        if (Options.IncludeTimestamp)
        {
            ulong micros = record.TimestampNs / 1000;
            destination.Append(micros / 1_000_000).Append('.').Append((micros % 1_000_000).ToString("D6")).Append(' ');
        }
        if (Options.IncludeThreadId)
        {
            destination.Append("[pid ").Append(record.ThreadId).Append("] ");
        }
        destination.Append(Catalog.Table.GetDisplayName(record.Number)).Append('(');
        AppendArguments(record, destination);
        destination.Append(')');
        destination.Append(" = ");
        AppendReturn(record, destination);
    }

    /// <summary>Writes one strace line for <paramref name="record"/> (without a newline) to <paramref name="destination"/>.</summary>
    public void Format(SyscallRecord record, IBufferWriter<char> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var builder = BuilderPool.Get();
        try
        {
            Format(record, builder);
            foreach (var chunk in builder.GetChunks())
            {
                destination.Write(chunk.Span);
            }
        }
        finally
        {
            BuilderPool.Return(builder);
        }
    }

    /// <summary>The strace line for <paramref name="record"/> as a new string.</summary>
    public string Format(SyscallRecord record)
    {
        var builder = BuilderPool.Get();
        try
        {
            Format(record, builder);
            return builder.ToString();
        }
        finally
        {
            BuilderPool.Return(builder);
        }
    }

    /// <summary>How many arguments strace prints for <paramref name="record"/> (open's mode only with O_CREAT, all six for unknown syscalls).</summary>
    public int GetArgumentCount(SyscallRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var decoder = Catalog.GetDecoder(record.Number);
        if (decoder is null)
        {
            return 6;
        }
        var formats = decoder.Formats;
        int count = formats.Length;
        if (count > 0 && formats[count - 1] == ArgumentFormat.OpenMode && !TakesMode(record.Arguments[count - 2]))
        {
            count--;
        }
        return count;
    }

    /// <summary>Appends argument <paramref name="index"/> of <paramref name="record"/> as strace prints it.</summary>
    public void FormatArgument(SyscallRecord record, int index, StringBuilder destination)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 5);
        var decoder = Catalog.GetDecoder(record.Number);
        if (decoder is null || index >= decoder.Formats.Length)
        {
            AppendHex(destination, record.Arguments[index]);
            return;
        }
        AppendArgument(record, decoder, index, destination);
    }

    /// <summary>Appends the return part as strace prints it after <c>" = "</c>: <c>3</c>, <c>0x7f..</c>, <c>-1 ENOENT (No such file or directory)</c>, <c>?</c>.</summary>
    public void FormatReturn(SyscallRecord record, StringBuilder destination)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(destination);
        AppendReturn(record, destination);
    }

    private void AppendArguments(SyscallRecord record, StringBuilder destination)
    {
        var decoder = Catalog.GetDecoder(record.Number);
        if (decoder is null)
        {
            for (int i = 0; i < 6; i++)
            {
                if (i > 0)
                {
                    destination.Append(", ");
                }
                AppendHex(destination, record.Arguments[i]);
            }
            return;
        }
        int count = GetArgumentCount(record);
        for (int i = 0; i < count; i++)
        {
            if (i > 0)
            {
                destination.Append(", ");
            }
            AppendArgument(record, decoder, i, destination);
        }
    }

    private void AppendReturn(SyscallRecord record, StringBuilder destination)
    {
        if (record.ReturnValue is not long value)
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
        if (Catalog.GetDecoder(record.Number) is { HexReturn: true })
        {
            AppendHex(destination, (ulong)value);
        }
        else
        {
            destination.Append(value);
        }
    }

    private bool TakesMode(ulong flags) => (flags & 0x40) != 0 || (flags & constants.TmpFileFlag) != 0;

    private void AppendArgument(SyscallRecord record, SyscallDecoder decoder, int index, StringBuilder destination)
    {
        ulong raw = record.Arguments[index];
        switch (decoder.Formats[index])
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
            case ArgumentFormat.Hex:
                AppendHex(destination, raw);
                break;
            case ArgumentFormat.Pointer:
                AppendPointer(destination, raw);
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
                AppendCapturedString(record, index, raw, destination, limit: int.MaxValue);
                break;
            case ArgumentFormat.String:
                AppendCapturedString(record, index, raw, destination, Options.StringLimit);
                break;
            case ArgumentFormat.BufferIn:
                AppendBuffer(record, index, raw, destination, (long)record.Arguments[decoder.LengthArguments[index]], forceHex: false, pathLike: false);
                break;
            case ArgumentFormat.BufferOut:
            case ArgumentFormat.BufferOutHex:
            case ArgumentFormat.PathOut:
                if (record.ReturnValue is not long returned || (returned < 0 && returned >= -4095))
                {
                    AppendPointer(destination, raw);
                }
                else
                {
                    var format = decoder.Formats[index];
                    AppendBuffer(record, index, raw, destination, returned, format == ArgumentFormat.BufferOutHex, format == ArgumentFormat.PathOut);
                }
                break;
            case ArgumentFormat.Sockaddr:
                if (raw == 0)
                {
                    destination.Append("NULL");
                }
                else if (FindCapture(record, index) is { Status: not CaptureStatus.Unreadable } sockaddr)
                {
                    StraceText.AppendSockaddr(destination, sockaddr.Data.Span, Options.StringLimit);
                }
                else
                {
                    AppendPointer(destination, raw);
                }
                break;
            case ArgumentFormat.PipeFds:
                if (record.ReturnValue == 0 && FindCapture(record, index) is { Status: CaptureStatus.Complete } fds && fds.Data.Length >= 8)
                {
                    var span = fds.Data.Span;
                    destination.Append('[').Append(BinaryPrimitives.ReadInt32LittleEndian(span)).Append(", ").Append(BinaryPrimitives.ReadInt32LittleEndian(span[4..])).Append(']');
                }
                else
                {
                    AppendPointer(destination, raw);
                }
                break;
            case ArgumentFormat.StringArray:
                AppendStringArray(record, index, raw, destination);
                break;
            case ArgumentFormat.OpenFlags:
                destination.Append(Constants.OpenAccessModes.Lookup(raw & 3));
                constants.OpenFlags.AppendFlags(destination, (uint)raw & ~3u, separatorFirst: true);
                break;
            case ArgumentFormat.OpenMode:
            case ArgumentFormat.Mode:
                AppendMode(destination, (uint)raw);
                break;
            case ArgumentFormat.AccessMode:
                Constants.AccessModes.AppendFlags(destination, (uint)raw, "F_OK");
                break;
            case ArgumentFormat.Protection:
                constants.Protection.AppendFlags(destination, raw, "PROT_NONE");
                break;
            case ArgumentFormat.MapFlags:
                AppendMapFlags(destination, raw);
                break;
            case ArgumentFormat.Signal:
                if (SignalNames.GetName((int)raw) is { } signal)
                {
                    destination.Append(signal);
                }
                else
                {
                    destination.Append((int)raw);
                }
                break;
            case ArgumentFormat.AtFlags:
                Constants.AtFlags.AppendFlags(destination, (uint)raw);
                break;
            case ArgumentFormat.AccessAtFlags:
                Constants.AccessAtFlags.AppendFlags(destination, (uint)raw);
                break;
            case ArgumentFormat.Whence:
                Constants.Whence.AppendValue(destination, (uint)raw);
                break;
            case ArgumentFormat.AddressFamily:
                Constants.AddressFamilies.AppendValue(destination, (uint)raw);
                break;
            case ArgumentFormat.SocketType:
                Constants.SocketTypes.AppendValue(destination, (uint)raw & 0xf);
                AppendKnownFlags(destination, Constants.SocketTypeFlags, (uint)raw & ~0xfu, separatorFirst: true);
                break;
            case ArgumentFormat.SocketProtocol:
                ulong family = (uint)record.Arguments[0];
                if ((family == 2 || family == 10) && Constants.IpProtocols.Lookup((uint)raw) is { } protocol)
                {
                    destination.Append(protocol);
                }
                else
                {
                    destination.Append((int)raw);
                }
                break;
            case ArgumentFormat.MessageFlags:
                Constants.MessageFlags.AppendFlags(destination, (uint)raw);
                break;
            case ArgumentFormat.PipeFlags:
                AppendKnownFlags(destination, Constants.PipeFlags, (uint)raw, separatorFirst: false);
                break;
            case ArgumentFormat.ArchPrctlCode:
                Constants.ArchPrctlCodes.AppendValue(destination, (uint)raw);
                break;
            case ArgumentFormat.RandomFlags:
                Constants.RandomFlags.AppendFlags(destination, (uint)raw);
                break;
            case ArgumentFormat.Resource:
                Constants.Resources.AppendValue(destination, (uint)raw);
                break;
            case ArgumentFormat.SigprocmaskHow:
                Constants.SigprocmaskHow.AppendValue(destination, (uint)raw);
                break;
            case ArgumentFormat.CloneFlags:
                ulong exitSignal = raw & 0xff;
                Constants.CloneFlags.AppendFlags(destination, raw & ~0xfful, separatorFirst: false);
                if (exitSignal != 0)
                {
                    if ((raw & ~0xfful) != 0)
                    {
                        destination.Append('|');
                    }
                    if (SignalNames.GetName((int)exitSignal) is { } name)
                    {
                        destination.Append(name);
                    }
                    else
                    {
                        destination.Append(exitSignal);
                    }
                }
                break;
            default:
                AppendHex(destination, raw);
                break;
        }
    }

    private void AppendMapFlags(StringBuilder destination, ulong raw)
    {
        uint flags = (uint)raw;
        Constants.MapTypes.AppendValue(destination, flags & 0xf);
        uint hugeShift = (flags >> 26) & 0x3f;
        constants.MapFlags.AppendFlags(destination, flags & ~0xfu & ~(0x3fu << 26), separatorFirst: true);
        if (hugeShift != 0)
        {
            destination.Append('|').Append(hugeShift).Append("<<MAP_HUGE_SHIFT");
        }
    }

    // Flags where a value with no known bit at all is printed as "0x5 /* O_??? */".
    private static void AppendKnownFlags(StringBuilder destination, FlagTable table, uint value, bool separatorFirst)
    {
        uint known = 0;
        for (int bit = 0; bit < 32; bit++)
        {
            uint mask = 1u << bit;
            if ((value & mask) != 0 && table.Lookup(mask) is not null)
            {
                known |= mask;
            }
        }
        if (value != 0 && known == 0)
        {
            if (separatorFirst)
            {
                destination.Append('|');
            }
            destination.Append($"0x{value:x}").Append(" /* ").Append(table.UnknownComment).Append(" */");
            return;
        }
        table.AppendFlags(destination, value, separatorFirst: separatorFirst);
    }

    private static void AppendMode(StringBuilder destination, uint mode)
    {
        // strace's "0%03o".
        Span<char> digits = stackalloc char[12];
        int n = 0;
        do
        {
            digits[n++] = (char)('0' + (mode & 7));
            mode >>= 3;
        }
        while (mode != 0);
        while (n < 3)
        {
            digits[n++] = '0';
        }
        destination.Append('0');
        for (int i = n - 1; i >= 0; i--)
        {
            destination.Append(digits[i]);
        }
    }

    private void AppendCapturedString(SyscallRecord record, int index, ulong raw, StringBuilder destination, int limit)
    {
        if (raw == 0)
        {
            destination.Append("NULL");
            return;
        }
        if (FindCapture(record, index) is not { Status: not CaptureStatus.Unreadable } capture)
        {
            AppendPointer(destination, raw);
            return;
        }
        var data = capture.Data.Span;
        int end = data.IndexOf((byte)0);
        if (end >= 0)
        {
            data = data[..end];
        }
        bool truncated = capture.Status == CaptureStatus.Truncated && end < 0;
        if (data.Length > limit)
        {
            data = data[..limit];
            truncated = true;
        }
        StraceText.AppendQuoted(destination, data, truncated);
    }

    private void AppendBuffer(SyscallRecord record, int index, ulong raw, StringBuilder destination, long length, bool forceHex, bool pathLike)
    {
        if (length == 0)
        {
            destination.Append("\"\"");
            return;
        }
        if (raw == 0)
        {
            destination.Append("NULL");
            return;
        }
        if (FindCapture(record, index) is not { Status: not CaptureStatus.Unreadable } capture || length < 0)
        {
            AppendPointer(destination, raw);
            return;
        }
        var data = capture.Data.Span;
        if ((ulong)data.Length > (ulong)length)
        {
            data = data[..(int)length];
        }
        bool truncated = (ulong)length > (ulong)data.Length;
        if (pathLike)
        {
            int end = data.IndexOf((byte)0);
            if (end >= 0)
            {
                data = data[..end];
                truncated = false;
            }
        }
        else if (data.Length > Options.StringLimit)
        {
            data = data[..Options.StringLimit];
            truncated = true;
        }
        StraceText.AppendQuoted(destination, data, truncated, forceHex);
    }

    private void AppendStringArray(SyscallRecord record, int index, ulong raw, StringBuilder destination)
    {
        if (raw == 0)
        {
            destination.Append("NULL");
            return;
        }
        if (FindCapture(record, index) is not { Status: not CaptureStatus.Unreadable } capture)
        {
            AppendPointer(destination, raw);
            return;
        }
        var data = capture.Data.Span;
        destination.Append('[');
        int count = 0;
        while (data.Length > 0)
        {
            if (count > 0)
            {
                destination.Append(", ");
            }
            if (count == Options.StringLimit)
            {
                destination.Append("...");
                break;
            }
            int end = data.IndexOf((byte)0);
            var item = end >= 0 ? data[..end] : data;
            bool truncated = end < 0 && capture.Status == CaptureStatus.Truncated;
            if (item.Length > Options.StringLimit)
            {
                item = item[..Options.StringLimit];
                truncated = true;
            }
            StraceText.AppendQuoted(destination, item, truncated);
            count++;
            data = end >= 0 ? data[(end + 1)..] : default;
        }
        if (capture.Status == CaptureStatus.Truncated && count < Options.StringLimit && count > 0)
        {
            destination.Append(", ...");
        }
        destination.Append(']');
    }

    private static CapturedArgument? FindCapture(SyscallRecord record, int index)
    {
        var captured = record.Captured;
        for (int i = 0; i < captured.Count; i++)
        {
            if (captured[i].Index == index)
            {
                return captured[i];
            }
        }
        return null;
    }

    private static void AppendPointer(StringBuilder destination, ulong value)
    {
        if (value == 0)
        {
            destination.Append("NULL");
        }
        else
        {
            destination.Append($"0x{value:x}");
        }
    }

    private static void AppendHex(StringBuilder destination, ulong value)
    {
        if (value == 0)
        {
            destination.Append('0');
        }
        else
        {
            destination.Append($"0x{value:x}");
        }
    }
}
