using System.Buffers;
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

    private readonly RenderSettings settings;
    private readonly long realtimeOffsetNs;
    private readonly TimeZoneInfo timeZone = TimeZoneInfo.Utc;

    /// <summary>Creates a formatter for <paramref name="catalog"/>'s architecture (default: this machine's).</summary>
    public SyscallFormatter(SyscallFormatterOptions? options = null, SyscallCatalog? catalog = null)
    {
        Options = options ?? SyscallFormatterOptions.Default;
        if (Options.StringLimit < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.StringLimit, "The string limit cannot be negative.");
        }
        if (!Enum.IsDefined(Options.TimeOfDay))
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.TimeOfDay, "Unknown time-of-day format.");
        }
        Catalog = catalog ?? SyscallCatalog.Current;
        settings = new RenderSettings(Options, Catalog.Architecture);
        if (Options.TimeOfDay != SyscallTimeOfDay.None)
        {
            realtimeOffsetNs = Options.RealtimeOffsetNs ?? BootClock.RealtimeOffsetNanoseconds();
            timeZone = Options.TimeZone ?? TimeZoneInfo.Local;
        }
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
        AppendPrefix(record.ThreadId, record.TimestampNs, destination);
        destination.Append(Catalog.Table.GetDisplayName(record)).Append('(');
        var context = Context(record);
        var renderer = SyscallRenderers.For(context.Decoder);
        int count = renderer.GetArgumentCount(context);
        for (int i = 0; i < count; i++)
        {
            if (i > 0)
            {
                destination.Append(", ");
            }
            renderer.AppendArgument(context, i, destination);
        }
        destination.Append(") = ");
        renderer.AppendReturn(context, destination);
        if (Options.IncludeDuration && record.ReturnValue.HasValue && record.ExitTimestampNs is ulong exit)
        {
            // strace -T: seconds with microseconds, cut (not rounded) to the microsecond.
            ulong micros = (exit > record.TimestampNs ? exit - record.TimestampNs : 0) / 1000;
            destination.Append(" <");
            AppendSeconds(destination, micros);
            destination.Append('>');
        }
    }

    /// <summary>
    /// Appends what comes before a line's syscall, for a line of thread <paramref name="threadId"/> at
    /// <paramref name="timestampNs"/> (boot time): the boot-time stamp, <c>[pid TID] </c>, the wall-clock time, each as
    /// the options ask. Process exits (<c>+++ exited with 0 +++</c>) take the same prefix.
    /// </summary>
    internal void AppendPrefix(int threadId, ulong timestampNs, StringBuilder destination)
    {
        if (Options.IncludeTimestamp)
        {
            AppendSeconds(destination, timestampNs / 1000);
            destination.Append(' ');
        }
        if (Options.IncludeThreadId)
        {
            destination.Append("[pid ").Append(threadId).Append("] ");
        }
        if (Options.TimeOfDay != SyscallTimeOfDay.None)
        {
            AppendTimeOfDay(timestampNs, destination);
            destination.Append(' ');
        }
    }

    private void AppendTimeOfDay(ulong timestampNs, StringBuilder destination)
    {
        long wallNs = Math.Max(0, (long)Math.Min(timestampNs, long.MaxValue) + realtimeOffsetNs);
        long micros = wallNs / 1000;
        if (Options.TimeOfDay == SyscallTimeOfDay.UnixMicroseconds)
        {
            AppendSeconds(destination, (ulong)micros);
            return;
        }
        var utc = DateTime.UnixEpoch.AddTicks(Math.Min(wallNs / 100, DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks - TimeSpan.TicksPerDay));
        long localTicks = utc.Ticks + timeZone.GetUtcOffset(utc).Ticks;
        long secondOfDay = localTicks / TimeSpan.TicksPerSecond % 86_400;
        StraceText.AppendDecimal(destination, (ulong)(secondOfDay / 3600), width: 2);
        destination.Append(':');
        StraceText.AppendDecimal(destination, (ulong)(secondOfDay / 60 % 60), width: 2);
        destination.Append(':');
        StraceText.AppendDecimal(destination, (ulong)(secondOfDay % 60), width: 2);
        if (Options.TimeOfDay == SyscallTimeOfDay.Microseconds)
        {
            destination.Append('.');
            StraceText.AppendDecimal(destination, (ulong)(micros % 1_000_000), width: 6);
        }
    }

    private static void AppendSeconds(StringBuilder destination, ulong micros)
    {
        StraceText.AppendDecimal(destination, micros / 1_000_000);
        destination.Append('.');
        StraceText.AppendDecimal(destination, micros % 1_000_000, width: 6);
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

    /// <summary>
    /// How many arguments strace prints for <paramref name="record"/>: open's mode only with O_CREAT or O_TMPFILE, fcntl's
    /// third only for commands that take one, prctl's and futex's as their option or command says, all six for unknown syscalls.
    /// </summary>
    public int GetArgumentCount(SyscallRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var context = Context(record);
        return SyscallRenderers.For(context.Decoder).GetArgumentCount(context);
    }

    /// <summary>
    /// Appends printed argument <paramref name="index"/> of <paramref name="record"/> exactly as it appears in the strace line
    /// (<c>F_SETFD</c>, <c>child_stack=NULL</c>); an index at or past <see cref="GetArgumentCount"/> appends the register in hex.
    /// </summary>
    public void FormatArgument(SyscallRecord record, int index, StringBuilder destination)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 5);
        var context = Context(record);
        var renderer = SyscallRenderers.For(context.Decoder);
        if (index >= renderer.GetArgumentCount(context))
        {
            StraceText.AppendHexOrZero(destination, record.Arguments[index]);
            return;
        }
        renderer.AppendArgument(context, index, destination);
    }

    /// <summary>Appends the return part as strace prints it after <c>" = "</c>: <c>3</c>, <c>0x7f..</c>, <c>-1 ENOENT (No such file or directory)</c>, <c>?</c>.</summary>
    public void FormatReturn(SyscallRecord record, StringBuilder destination)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(destination);
        var context = Context(record);
        SyscallRenderers.For(context.Decoder).AppendReturn(context, destination);
    }

    // A 32-bit syscall's number is in another numbering than the catalog's (its name comes from the table's CompatTable),
    // and nothing behind its pointers was captured: never the 64-bit decoder of the same number; a few by their 32-bit
    // name (Compat32Decoders), the others' registers raw.
    private RenderContext Context(SyscallRecord record) =>
        new(record, record.Is32Bit ? Compat32Decoders.For(Catalog.Table.GetName(record), Catalog.Architecture) : Catalog.GetDecoder(record.Number), settings);
}
