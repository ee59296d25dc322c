using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Gadget.Containers;
using Gadget.Gadgets;

namespace Gadget.CommandLine;

/// <summary>
/// Writes exec records as columns or JSON lines straight from <see cref="ExecEventView"/> (the ring buffer's bytes) into
/// an output buffer, the same text <see cref="EventWriter{T}"/> writes for <see cref="GadgetSchemas.ExecSnoop"/>, without
/// allocating per event: no <see cref="ExecEvent"/>, no strings. <see cref="Flush"/> after each batch (line
/// buffering), or when <see cref="BufferedBytes"/> says it is time. YAML and
/// <c>--filter</c> are not supported here (<see cref="Supports"/>): use <see cref="EventWriter{T}"/> for them.
/// Differences from <see cref="EventWriter{T}"/>: <c>timestampBoot</c> is the kernel's value itself (not converted
/// back from the wall-clock time: up to 100 ns apart).
/// </summary>
public sealed class ExecEventWriter : IExecEventHandler
{
    private enum Column
    {
        Time, Container, Namespace, Pod, Pid, Tid, Ppid, Uid, Gid, Comm, Pcomm, Ret, Args, Truncated,
    }

    private static readonly string[] Names = ["time", "container", "namespace", "pod", "pid", "tid", "ppid", "uid", "gid", "comm", "pcomm", "ret", "args", "truncated"];
    private static readonly string[] RuntimeNames = [.. Enum.GetValues<ContainerRuntime>().Select(r => EventJson.RuntimeName(r))];
    private static readonly ContainerRuntime[] Runtimes = Enum.GetValues<ContainerRuntime>();
    private static readonly JsonEncodedText[] JsonNames = [.. Names.Select(n => JsonEncodedText.Encode(n))];

    private readonly OutputFormat _format;
    private readonly (Column Column, int Width)[] _columns;
    private readonly Column[] _json;
    private readonly Func<int, bool>? _keepReturnValue;
    private readonly Stream _output;
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 16);
    private readonly Utf8JsonWriter _writer;
    private readonly byte[] _header;
    private bool _headerWritten;
    private readonly Utf8Row _row = new();

    /// <summary>Creates a writer to standard output (or <paramref name="output"/>).</summary>
    /// <param name="format">Columns or JSON lines.</param>
    /// <param name="fields">The chosen fields (null: the defaults).</param>
    /// <param name="keepReturnValue">Which return values to write (null: all).</param>
    /// <param name="output">Where to write (standard output by default).</param>
    /// <exception cref="ArgumentException">The format or a field is not supported (see <see cref="Supports"/>).</exception>
    public ExecEventWriter(OutputFormat format, IReadOnlyList<string>? fields, Func<int, bool>? keepReturnValue = null, Stream? output = null)
    {
        if (!Supports(format, fields, EventFilter.None))
        {
            throw new ArgumentException("Only columns and JSON lines of execsnoop's own fields are written without allocating.", nameof(format));
        }
        var schema = GadgetSchemas.ExecSnoop;
        var chosen = fields is null ? schema.Fields.Where(f => f.Default).ToArray() : [.. fields.Select(n => schema.Find(n)!)];
        _columns = [.. chosen.Select(f => (ColumnOf(f.Name), f.Width))];
        _json = [.. (fields is null ? schema.Fields.Where(f => f.InJson) : chosen.Where(f => f.InJson)).Select(f => ColumnOf(f.Name))];
        _header = Encoding.UTF8.GetBytes(string.Join(' ', chosen.Select(f => Pad(f.Header, f.Width))).TrimEnd() + "\n");
        _format = format;
        _keepReturnValue = keepReturnValue;
        _output = output ?? Console.OpenStandardOutput();
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
    }

    /// <summary>Events written.</summary>
    public long Count { get; private set; }

    /// <summary>Bytes formatted and not yet written to the output.</summary>
    public int BufferedBytes => _buffer.WrittenCount;

    /// <summary>How many bytes <see cref="OnEvent"/> lets the buffer hold before it writes them (32 KiB by default).</summary>
    public int FlushThreshold { get; init; } = 1 << 15;

    /// <summary>Whether this writer can write <paramref name="format"/> with <paramref name="fields"/> and <paramref name="filter"/>.</summary>
    public static bool Supports(OutputFormat format, IReadOnlyList<string>? fields, EventFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return format is OutputFormat.Columns or OutputFormat.Json && !filter.Fields.Any()
            && (fields is null || fields.All(f => Array.IndexOf(Names, f) >= 0 && GadgetSchemas.ExecSnoop.Find(f) is not null))
            && GadgetSchemas.ExecSnoop.Fields.All(f => Array.IndexOf(Names, f.Name) >= 0);
    }

    /// <summary>Writes one record (unless its return value is not kept); flushes once <see cref="FlushThreshold"/> bytes are buffered.</summary>
    public void OnEvent(in ExecEventView exec)
    {
        if (_keepReturnValue is not null && !_keepReturnValue(exec.ReturnValue))
        {
            return;
        }
        Count++;
        if (_format == OutputFormat.Columns)
        {
            WriteRow(exec);
        }
        else
        {
            WriteJson(exec);
        }
        if (_buffer.WrittenCount >= FlushThreshold)
        {
            Flush();
        }
    }

    /// <summary>Writes what is buffered to the output.</summary>
    public void Flush()
    {
        if (_buffer.WrittenCount > 0)
        {
            _output.Write(_buffer.WrittenSpan);
            _buffer.ResetWrittenCount();
        }
        _output.Flush();
    }

    private void WriteRow(in ExecEventView exec)
    {
        if (!_headerWritten)
        {
            _headerWritten = true;
            _buffer.Write(_header);
        }
        _row.Clear();
        for (var i = 0; i < _columns.Length; i++)
        {
            if (i > 0)
            {
                _row.Append(" "u8);
            }
            var (column, width) = _columns[i];
            var cell = _row.Length;
            WriteText(column, exec);
            _row.Pad(cell, width);
        }
        // A row ends without trailing white space (EventWriter trims the row).
        _row.WriteTo(_buffer);
    }

    private void WriteText(Column column, in ExecEventView exec)
    {
        var container = exec.Container;
        switch (column)
        {
            case Column.Time:
                Span<byte> time = stackalloc byte[32];
                exec.Timestamp.ToLocalTime().TryFormat(time, out var n, "HH:mm:ss.fff", CultureInfo.InvariantCulture);
                _row.Append(time[..n]);
                break;
            case Column.Container:
                _row.Append(container?.Name);
                break;
            case Column.Namespace:
                _row.Append(container?.Kubernetes?.Namespace);
                break;
            case Column.Pod:
                _row.Append(container?.Kubernetes?.PodName);
                break;
            case Column.Args:
                var first = true;
                foreach (var argument in exec.Arguments)
                {
                    if (!first)
                    {
                        _row.Append(" "u8);
                    }
                    first = false;
                    WriteBytes(argument);
                }
                break;
            case Column.Comm:
                WriteBytes(exec.CommUtf8);
                break;
            case Column.Pcomm:
                WriteBytes(exec.ParentCommUtf8);
                break;
            case Column.Truncated:
                _row.Append(exec.ArgumentsTruncated ? "true"u8 : "false"u8);
                break;
            default:
                Span<byte> number = stackalloc byte[16];
                Number(column, exec).TryFormat(number, out var digits, default, CultureInfo.InvariantCulture);
                _row.Append(number[..digits]);
                break;
        }
    }

    private static int Number(Column column, in ExecEventView exec) => column switch
    {
        Column.Pid => exec.Pid,
        Column.Tid => exec.Tid,
        Column.Ppid => exec.ParentPid,
        Column.Uid => exec.Uid,
        Column.Gid => exec.Gid,
        _ => exec.ReturnValue,
    };

    // The kernel's bytes as EventWriter shows them: as they are when they are valid UTF-8, else decoded with U+FFFD
    // for what is not (allocates; rare).
    private void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes))
        {
            _row.Append(bytes);
        }
        else
        {
            _row.Append(Encoding.UTF8.GetString(bytes));
        }
    }

    private void WriteJson(in ExecEventView exec)
    {
        _writer.Reset(_buffer);
        var w = _writer;
        w.WriteStartObject();
        w.WriteString("type"u8, "event"u8);
        w.WriteString("gadget"u8, "execsnoop"u8);
        Span<byte> time = stackalloc byte[40];
        exec.Timestamp.UtcDateTime.TryFormat(time, out var n, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        w.WriteString("timestamp"u8, time[..n]);
        w.WriteNumber("timestampBoot"u8, exec.BootTimestamp);
        var container = exec.Container;
        var kubernetes = container?.Kubernetes;
        w.WriteStartObject("k8s"u8);
        w.WriteString("node"u8, EventJson.Node);
        w.WriteString("namespace"u8, kubernetes?.Namespace ?? "");
        w.WriteString("pod"u8, kubernetes?.PodName ?? "");
        w.WriteString("container"u8, kubernetes?.ContainerName ?? "");
        w.WriteEndObject();
        w.WriteStartObject("runtime"u8);
        w.WriteString("name"u8, container is null ? "" : RuntimeNames[Array.IndexOf(Runtimes, container.Runtime)]);
        w.WriteString("containerId"u8, container?.Id ?? "");
        w.WriteString("containerName"u8, container?.Name ?? "");
        w.WriteEndObject();
        foreach (var column in _json)
        {
            w.WritePropertyName(JsonNames[(int)column]);
            switch (column)
            {
                case Column.Comm:
                    JsonText(exec.CommUtf8);
                    break;
                case Column.Pcomm:
                    JsonText(exec.ParentCommUtf8);
                    break;
                case Column.Truncated:
                    w.WriteBooleanValue(exec.ArgumentsTruncated);
                    break;
                case Column.Args:
                    w.WriteStartArray();
                    foreach (var argument in exec.Arguments)
                    {
                        JsonText(argument);
                    }
                    w.WriteEndArray();
                    break;
                default:
                    w.WriteNumberValue(Number(column, exec));
                    break;
            }
        }
        w.WriteEndObject();
        w.Flush();
        _buffer.Write("\n"u8);
    }

    private void JsonText(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes))
        {
            _writer.WriteStringValue(bytes);
        }
        else
        {
            _writer.WriteStringValue(Encoding.UTF8.GetString(bytes));
        }
    }

    private static Column ColumnOf(string name) => (Column)Array.IndexOf(Names, name);

    private static string Pad(string text, int width) => width switch
    {
        0 => text,
        < 0 => text.PadRight(-width),
        _ => text.PadLeft(width),
    };
}
