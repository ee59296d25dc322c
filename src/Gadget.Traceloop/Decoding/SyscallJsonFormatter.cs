using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.ObjectPool;

namespace Gadget.Traceloop.Decoding;

/// <summary>
/// Writes <see cref="SyscallRecord"/>s as JSON objects (one per line for JSON Lines):
/// <c>{"timestamp_ns":..,"exit_timestamp_ns":..,"cpu":0,"pid":..,"tid":..,"comm":"cat","number":257,"name":"openat",
/// "args":["AT_FDCWD","\"/etc/hostname\"","O_RDONLY|O_CLOEXEC"],"return":3,"errno":null}</c>.
/// Arguments are rendered by a <see cref="SyscallFormatter"/> exactly as in the strace line. Thread-safe.
/// </summary>
public sealed class SyscallJsonFormatter
{
    private static readonly ObjectPool<StringBuilder> BuilderPool = new DefaultObjectPoolProvider().CreateStringBuilderPool(256, 64 * 1024);

    [ThreadStatic]
    private static Utf8JsonWriter? cachedWriter;

    /// <summary>Creates a JSON formatter rendering arguments with <paramref name="formatter"/> (default: strace's defaults on this machine).</summary>
    public SyscallJsonFormatter(SyscallFormatter? formatter = null)
    {
        Formatter = formatter ?? new SyscallFormatter();
    }

    /// <summary>The formatter that renders arguments.</summary>
    public SyscallFormatter Formatter { get; }

    /// <summary>Writes <paramref name="record"/> as one JSON object to <paramref name="writer"/>.</summary>
    public void Write(SyscallRecord record, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(writer);
        var table = Formatter.Catalog.Table;
        writer.WriteStartObject();
        writer.WriteNumber("timestamp_ns"u8, record.TimestampNs);
        if (record.ExitTimestampNs is ulong exit)
        {
            writer.WriteNumber("exit_timestamp_ns"u8, exit);
        }
        else
        {
            writer.WriteNull("exit_timestamp_ns"u8);
        }
        writer.WriteNumber("cpu"u8, record.Cpu);
        writer.WriteNumber("pid"u8, record.ProcessId);
        writer.WriteNumber("tid"u8, record.ThreadId);
        writer.WriteString("comm"u8, record.Command);
        writer.WriteNumber("number"u8, record.Number);
        writer.WriteString("name"u8, table.GetDisplayName(record));
        if (record.Is32Bit)
        {
            writer.WriteBoolean("is_32bit"u8, true);
        }
        writer.WriteStartArray("args"u8);
        var builder = BuilderPool.Get();
        try
        {
            int count = Formatter.GetArgumentCount(record);
            for (int i = 0; i < count; i++)
            {
                builder.Clear();
                Formatter.FormatArgument(record, i, builder);
                WriteString(writer, builder);
            }
            writer.WriteEndArray();
            if (record.ReturnValue is long value)
            {
                writer.WriteNumber("return"u8, value);
                if (value < 0 && value >= -4095 && ErrnoNames.GetName((int)-value) is { } errno)
                {
                    writer.WriteString("errno"u8, errno);
                }
                else
                {
                    writer.WriteNull("errno"u8);
                }
            }
            else
            {
                writer.WriteNull("return"u8);
                writer.WriteNull("errno"u8);
            }
            builder.Clear();
            Formatter.FormatReturn(record, builder);
            writer.WritePropertyName("return_text"u8);
            WriteString(writer, builder);
        }
        finally
        {
            BuilderPool.Return(builder);
        }
        writer.WriteEndObject();
    }

    /// <summary>Writes <paramref name="record"/> as one line of JSON Lines (UTF-8, ending with <c>\n</c>) to <paramref name="destination"/>.</summary>
    public void WriteLine(SyscallRecord record, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var writer = cachedWriter;
        if (writer is null)
        {
            writer = new Utf8JsonWriter(destination, new JsonWriterOptions { SkipValidation = true });
            cachedWriter = writer;
        }
        else
        {
            writer.Reset(destination);
        }
        try
        {
            Write(record, writer);
            writer.Flush();
        }
        finally
        {
            writer.Reset(NullBufferWriter.Instance);
        }
        destination.Write("\n"u8);
    }

    /// <summary>The JSON object for <paramref name="record"/> as a string (no newline).</summary>
    public string Format(SyscallRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(record, writer);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteString(Utf8JsonWriter writer, StringBuilder builder)
    {
        if (builder.Length <= 512)
        {
            Span<char> text = stackalloc char[builder.Length];
            builder.CopyTo(0, text, builder.Length);
            writer.WriteStringValue(text);
            return;
        }
        var rented = ArrayPool<char>.Shared.Rent(builder.Length);
        try
        {
            builder.CopyTo(0, rented, 0, builder.Length);
            writer.WriteStringValue(rented.AsSpan(0, builder.Length));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    private sealed class NullBufferWriter : IBufferWriter<byte>
    {
        public static readonly NullBufferWriter Instance = new();

        public void Advance(int count)
        {
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => new byte[Math.Max(sizeHint, 1)];

        public Span<byte> GetSpan(int sizeHint = 0) => new byte[Math.Max(sizeHint, 1)];
    }
}
