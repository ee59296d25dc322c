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
            StraceText.AppendDecimal(destination, micros / 1_000_000);
            destination.Append('.');
            StraceText.AppendDecimal(destination, micros % 1_000_000, width: 6);
            destination.Append(' ');
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

    /// <summary>How many arguments strace prints for <paramref name="record"/> (open's mode only with O_CREAT or O_TMPFILE, mremap's new address only with MREMAP_FIXED, all six for unknown syscalls).</summary>
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
        if (count > 1 && formats[count - 1] switch
            {
                ArgumentFormat.OpenMode => !TakesMode(record.Arguments[count - 2]),
                ArgumentFormat.RemapAddress => (record.Arguments[count - 2] & 2) == 0,
                _ => false,
            })
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
        if (decoder is { Name: "clone" })
        {
            AppendClone(record, destination);
            return;
        }
        if (decoder is { Name: "fcntl" })
        {
            AppendFcntl(record, destination);
            return;
        }
        if (decoder is { Name: "prctl" })
        {
            AppendPrctl(record, destination);
            return;
        }
        if (decoder is { Name: "futex" })
        {
            AppendFutex(record, destination);
            return;
        }
        if (decoder is { Name: "ioctl" } && Constants.IoctlRequests.Lookup((uint)record.Arguments[1]) is { } request)
        {
            // A request strace knows: its name, and the argument's address (the structure behind it is not captured).
            destination.Append((int)record.Arguments[0]).Append(", ").Append(request).Append(", ");
            AppendPointer(destination, record.Arguments[2]);
            return;
        }
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
        var decoder = Catalog.GetDecoder(record.Number);
        if (decoder is { Name: "fcntl" } && AppendFcntlReturn(record, value, destination))
        {
            return;
        }
        if (decoder is { Name: "prctl" } && (uint)record.Arguments[0] == 3 && Constants.Dumpable.Lookup((ulong)value) is { } dumpable)
        {
            // PR_GET_DUMPABLE: "1 (SUID_DUMP_USER)".
            destination.Append(value).Append(" (").Append(dumpable).Append(')');
            return;
        }
        if (decoder is { HexReturn: true })
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
            case ArgumentFormat.RemapAddress:
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
            case ArgumentFormat.RemapFlags:
                Constants.RemapFlags.AppendFlags(destination, (uint)raw);
                break;
            case ArgumentFormat.WaitOptions:
                Constants.WaitOptions.AppendFlags(destination, (uint)raw);
                break;
            case ArgumentFormat.FadviseAdvice:
                Constants.FadviseAdvice.AppendValue(destination, (uint)raw);
                break;
            case ArgumentFormat.MadviseAdvice:
                Constants.MadviseAdvice.AppendValue(destination, (uint)raw);
                break;
            case ArgumentFormat.StatBuffer:
                var layout = StatLayout.For(Catalog.Architecture);
                if (record.ReturnValue == 0 && FindCapture(record, index) is { Status: CaptureStatus.Complete } stat && stat.Data.Length >= layout.Size)
                {
                    layout.Append(destination, stat.Data.Span);
                }
                else
                {
                    AppendPointer(destination, raw);
                }
                break;
            case ArgumentFormat.WaitStatus:
                if (record.ReturnValue > 0 && FindCapture(record, index) is { Status: CaptureStatus.Complete } status && status.Data.Length >= 4)
                {
                    AppendWaitStatus(destination, BinaryPrimitives.ReadInt32LittleEndian(status.Data.Span));
                }
                else
                {
                    AppendPointer(destination, raw);
                }
                break;
            default:
                AppendHex(destination, raw);
                break;
        }
    }

    // strace's [{WIFEXITED(s) && WEXITSTATUS(s) == 0}] and friends.
    private static void AppendWaitStatus(StringBuilder destination, int status)
    {
        destination.Append("[{");
        int low = status & 0x7f;
        if (low == 0)
        {
            destination.Append("WIFEXITED(s) && WEXITSTATUS(s) == ").Append((status >> 8) & 0xff);
        }
        else if ((status & 0xff) == 0x7f)
        {
            destination.Append("WIFSTOPPED(s) && WSTOPSIG(s) == ");
            AppendSignal(destination, (status >> 8) & 0xff);
            if ((status >> 16) != 0)
            {
                destination.Append(" && status>>16 == ").Append(status >> 16);
            }
        }
        else
        {
            destination.Append("WIFSIGNALED(s) && WTERMSIG(s) == ");
            AppendSignal(destination, low);
            if ((status & 0x80) != 0)
            {
                destination.Append(" && WCOREDUMP(s)");
            }
        }
        destination.Append("}]");
    }

    private static void AppendSignal(StringBuilder destination, int signal)
    {
        if (SignalNames.GetName(signal) is { } name)
        {
            destination.Append(name);
        }
        else
        {
            destination.Append(signal);
        }
    }

    // fcntl's third argument depends on the command (and is absent for the getters).
    private void AppendFcntl(SyscallRecord record, StringBuilder destination)
    {
        var arguments = record.Arguments;
        uint command = (uint)arguments[1];
        ulong argument = arguments[2];
        destination.Append((int)arguments[0]).Append(", ");
        Constants.FcntlCommands.AppendValue(destination, command);
        switch (command)
        {
            case 1 or 3 or 9 or 11 or 1025 or 1032 or 1034 or 1035 or 1037:
                return;
            case 2:
                destination.Append(", ");
                if ((argument & 1) != 0)
                {
                    destination.Append("FD_CLOEXEC");
                    if ((argument & ~1ul) != 0)
                    {
                        destination.Append('|');
                        StraceText.AppendHex(destination, argument & ~1ul);
                    }
                }
                else
                {
                    AppendHex(destination, argument);
                }
                return;
            case 4:
                destination.Append(", ").Append(Constants.OpenAccessModes.Lookup(argument & 3));
                constants.OpenFlags.AppendFlags(destination, (uint)argument & ~3u, separatorFirst: true);
                return;
            case 0 or 8 or 1026 or 1030 or 1031:
                destination.Append(", ").Append((int)argument);
                return;
            case 10:
                destination.Append(", ");
                if (argument == 0)
                {
                    destination.Append('0');
                }
                else
                {
                    AppendSignal(destination, (int)argument);
                }
                return;
            case 1024:
                destination.Append(", ");
                Constants.LockTypes.AppendValue(destination, argument);
                return;
            case 5 or 6 or 7 or 15 or 16 or 36 or 37 or 38 or 1036 or 1038:
                destination.Append(", ");
                AppendPointer(destination, argument);
                return;
            default:
                destination.Append(", ");
                AppendHex(destination, argument);
                return;
        }
    }

    // strace's prctl decoder: the option names how many arguments follow and what they are.
    private void AppendPrctl(SyscallRecord record, StringBuilder destination)
    {
        var arguments = record.Arguments;
        uint option = (uint)arguments[0];
        ulong argument = arguments[1];
        bool failed = record.ReturnValue is not long returned || (returned < 0 && returned >= -4095);
        Constants.PrctlOptions.AppendValue(destination, option);
        switch (option)
        {
            case 3 or 7 or 13 or 21 or 27 or 30 or 31 or 32 or 34 or 46:
                // Getters without arguments: the value is the return value.
                return;
            case 15:
                destination.Append(", ");
                AppendCommandName(record, argument, destination, limit: Math.Min(SyscallDecoder.PrctlNameSize - 1, Options.StringLimit));
                return;
            case 16:
                destination.Append(", ");
                if (failed)
                {
                    AppendPointer(destination, argument);
                }
                else
                {
                    AppendCommandName(record, argument, destination, limit: Math.Min(SyscallDecoder.PrctlNameSize, Options.StringLimit));
                }
                return;
            case 1:
                destination.Append(", ");
                AppendSignal(destination, (int)argument);
                return;
            case 2 or 37:
                destination.Append(", ");
                if (!failed && FindCapture(record, 1) is { Status: CaptureStatus.Complete } value && value.Data.Length >= 4)
                {
                    int number = BinaryPrimitives.ReadInt32LittleEndian(value.Data.Span);
                    destination.Append('[');
                    if (option == 2)
                    {
                        AppendSignal(destination, number);
                    }
                    else
                    {
                        destination.Append(number);
                    }
                    destination.Append(']');
                }
                else
                {
                    AppendPointer(destination, argument);
                }
                return;
            case 4:
                destination.Append(", ");
                Constants.Dumpable.AppendValue(destination, argument);
                return;
            case 8 or 36:
                destination.Append(", ").Append(argument);
                return;
            case 23 or 24:
                destination.Append(", ");
                Constants.Capabilities.AppendValue(destination, argument);
                return;
            case 38:
                destination.Append(", ").Append(argument);
                AppendHexArguments(destination, arguments, 2);
                return;
            case 47:
                destination.Append(", ");
                Constants.CapAmbientOperations.AppendValue(destination, argument);
                destination.Append(", ");
                if (argument is >= 1 and <= 3)
                {
                    Constants.Capabilities.AppendValue(destination, arguments[2]);
                }
                else
                {
                    AppendHex(destination, arguments[2]);
                }
                AppendHexArguments(destination, arguments, 3);
                return;
            default:
                AppendHexArguments(destination, arguments, 1);
                return;
        }
    }

    // ", 0x1, 0, ..." for arguments from..4 (prctl's unnamed ones).
    private static void AppendHexArguments(StringBuilder destination, IReadOnlyList<ulong> arguments, int from)
    {
        for (int i = from; i < 5; i++)
        {
            destination.Append(", ");
            AppendHex(destination, arguments[i]);
        }
    }

    // A task name (prctl PR_SET_NAME / PR_GET_NAME): up to the NUL within the buffer, "..." when the buffer holds none.
    private void AppendCommandName(SyscallRecord record, ulong address, StringBuilder destination, int limit)
    {
        if (address == 0)
        {
            destination.Append("NULL");
            return;
        }
        if (FindCapture(record, 1) is not { Status: not CaptureStatus.Unreadable } capture || capture.Data.IsEmpty)
        {
            AppendPointer(destination, address);
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

    // strace's futex decoder: the command decides which of the other arguments are printed.
    private static void AppendFutex(SyscallRecord record, StringBuilder destination)
    {
        var arguments = record.Arguments;
        uint op = (uint)arguments[1];
        uint command = op & 0x7f;
        AppendPointer(destination, arguments[0]);
        destination.Append(", ");
        if ((op & ~0x1ffu) != 0 || Constants.FutexCommands.Lookup(command) is not { } name)
        {
            StraceText.AppendHex(destination, op);
            destination.Append(" /* FUTEX_??? */");
            command = uint.MaxValue;
        }
        else
        {
            destination.Append(name);
            if ((op & 0x80) != 0)
            {
                destination.Append("_PRIVATE");
            }
            if ((op & 0x100) != 0)
            {
                destination.Append("|FUTEX_CLOCK_REALTIME");
            }
        }
        uint value = (uint)arguments[2];
        switch (command)
        {
            case 0:
                destination.Append(", ").Append(value).Append(", ");
                AppendPointer(destination, arguments[3]);
                return;
            case 1:
                destination.Append(", ").Append(value);
                return;
            case 9 or 10:
                destination.Append(", ").Append(value);
                if (command == 9)
                {
                    destination.Append(", ");
                    AppendPointer(destination, arguments[3]);
                }
                destination.Append(", ");
                if ((uint)arguments[5] == uint.MaxValue)
                {
                    destination.Append("FUTEX_BITSET_MATCH_ANY");
                }
                else
                {
                    AppendHex(destination, (uint)arguments[5]);
                }
                return;
            case 7 or 8:
                return;
            default:
                destination.Append(", ").Append(value).Append(", ");
                AppendPointer(destination, arguments[3]);
                destination.Append(", ");
                AppendPointer(destination, arguments[4]);
                destination.Append(", ");
                AppendHex(destination, (uint)arguments[5]);
                return;
        }
    }

    // fcntl's getters return flags strace explains: "0x1 (flags FD_CLOEXEC)", "0x8002 (flags O_RDWR|O_LARGEFILE)", "0x2 (F_UNLCK)".
    private bool AppendFcntlReturn(SyscallRecord record, long value, StringBuilder destination)
    {
        switch ((uint)record.Arguments[1])
        {
            case 1:
                if (value == 0)
                {
                    return false;
                }
                StraceText.AppendHex(destination, (ulong)value);
                destination.Append(" (flags ");
                if ((value & 1) != 0)
                {
                    destination.Append("FD_CLOEXEC");
                }
                if ((value & ~1L) != 0)
                {
                    if ((value & 1) != 0)
                    {
                        destination.Append('|');
                    }
                    StraceText.AppendHex(destination, (ulong)(value & ~1L));
                }
                destination.Append(')');
                return true;
            case 3:
                AppendHex(destination, (ulong)value);
                destination.Append(" (flags ").Append(Constants.OpenAccessModes.Lookup((ulong)value & 3));
                constants.OpenFlags.AppendFlags(destination, (uint)value & ~3u, separatorFirst: true);
                destination.Append(')');
                return true;
            case 1025:
                AppendHex(destination, (ulong)value);
                destination.Append(" (");
                Constants.LockTypes.AppendValue(destination, (ulong)value);
                destination.Append(')');
                return true;
            default:
                return false;
        }
    }

    // strace names clone's arguments and shows the tid pointers and tls only when the flags use them.
    private void AppendClone(SyscallRecord record, StringBuilder destination)
    {
        var arguments = record.Arguments;
        ulong flags = arguments[0];
        // x86-64: flags, stack, parent_tid, child_tid, tls; arm64 (CLONE_BACKWARDS): flags, stack, parent_tid, tls, child_tid.
        bool arm = Catalog.Architecture == SyscallArchitecture.Arm64;
        ulong childTid = arm ? arguments[4] : arguments[3];
        ulong tls = arm ? arguments[3] : arguments[4];
        destination.Append("child_stack=");
        AppendPointer(destination, arguments[1]);
        destination.Append(", flags=");
        AppendArgument(record, Catalog.GetDecoder(record.Number)!, 0, destination);
        if ((flags & (0x100000 | 0x1000)) != 0)
        {
            destination.Append(", parent_tid=");
            AppendPointer(destination, arguments[2]);
        }
        if ((flags & (0x1000000 | 0x200000)) != 0)
        {
            destination.Append(", child_tidptr=");
            AppendPointer(destination, childTid);
        }
        if ((flags & 0x80000) != 0)
        {
            destination.Append(", tls=");
            AppendPointer(destination, tls);
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
            StraceText.AppendHex(destination, value);
            destination.Append(" /* ").Append(table.UnknownComment).Append(" */");
            return;
        }
        table.AppendFlags(destination, value, separatorFirst: separatorFirst);
    }

    internal static void AppendMode(StringBuilder destination, uint mode)
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
            // The kernel's count includes the terminating NUL; a capture that stops right before it lacks nothing.
            int end = data.IndexOf((byte)0);
            truncated = end < 0 && (ulong)length > (ulong)data.Length + 1;
            if (end >= 0)
            {
                data = data[..end];
            }
        }
        else if (data.Length > Options.StringLimit)
        {
            data = data[..Options.StringLimit];
            truncated = true;
        }
        StraceText.AppendQuoted(destination, data, truncated, forceHex);
    }

    // execve's argv as strace prints it: ["a", "b"], a string cut by a limit as "abc"..., "..." as the last element only when
    // elements were left out, and the array's address when not even its first string could be read.
    private void AppendStringArray(SyscallRecord record, int index, ulong raw, StringBuilder destination)
    {
        if (raw == 0)
        {
            destination.Append("NULL");
            return;
        }
        if (FindCapture(record, index) is not { Status: not CaptureStatus.Unreadable } capture
            || (capture.Status == CaptureStatus.Truncated && capture.Data.IsEmpty))
        {
            AppendPointer(destination, raw);
            return;
        }
        var data = capture.Data.Span;
        bool partial = capture.Status == CaptureStatus.Truncated;
        bool elided = false;
        bool anyCut = false;
        int count = 0;
        destination.Append('[');
        while (data.Length > 0)
        {
            if (count > 0)
            {
                destination.Append(", ");
            }
            if (count == Options.StringLimit)
            {
                destination.Append("...");
                elided = true;
                break;
            }
            int end = data.IndexOf((byte)0);
            var item = end >= 0 ? data[..end] : data;
            // An element that filled the BPF side's per-element buffer (or lacks its NUL) was cut there.
            bool cut = partial && (end < 0 || item.Length >= ArgvCapture.ElementSize - 1);
            anyCut |= cut;
            if (item.Length > Options.StringLimit)
            {
                item = item[..Options.StringLimit];
                cut = true;
            }
            StraceText.AppendQuoted(destination, item, cut);
            count++;
            data = end >= 0 ? data[(end + 1)..] : default;
        }
        // A partial capture left elements out when it holds as many as the BPF side reads, or when none of its elements was
        // cut (a read failed before the array's end). A partial capture with a cut element and fewer elements is taken as
        // complete in its count: the capture does not say whether a read also failed after it.
        if (!elided && partial && (count >= ArgvCapture.MaxElements || !anyCut))
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
            StraceText.AppendHex(destination, value);
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
            StraceText.AppendHex(destination, value);
        }
    }
}
