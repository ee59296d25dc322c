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

    /// <summary>Creates a formatter for <paramref name="catalog"/>'s architecture (default: this machine's).</summary>
    public SyscallFormatter(SyscallFormatterOptions? options = null, SyscallCatalog? catalog = null)
    {
        Options = options ?? SyscallFormatterOptions.Default;
        if (Options.StringLimit < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.StringLimit, "The string limit cannot be negative.");
        }
        Catalog = catalog ?? SyscallCatalog.Current;
        settings = new RenderSettings(Options, Catalog.Architecture);
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
