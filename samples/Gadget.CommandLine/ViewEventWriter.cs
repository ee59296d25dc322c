using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gadget.Containers;
using Gadget.Gadgets;

namespace Gadget.CommandLine;

/// <summary>
/// Writes a gadget's records (<typeparamref name="TView"/>, handed out by
/// <see cref="RingBufferViewGadget{TEvent, TView}.Consume{THandler}(ref THandler)"/>) as columns or JSON lines straight
/// from the ring buffer's bytes into an output buffer, the same text <see cref="EventWriter{T}"/> writes for the event
/// objects, without allocating per record. YAML, indented JSON and <c>--filter</c> (see <see cref="Supports"/>) go
/// through an event object per record (the view's <c>ToEvent()</c>) and <see cref="EventWriter{T}"/>.
/// <see cref="Flush"/> after each batch (line buffering), or when <see cref="BufferedBytes"/> says it is time.
/// Differences from <see cref="EventWriter{T}"/>: <c>timestampBoot</c> is the kernel's value itself (not converted back
/// from the wall-clock time: up to 100 ns apart).
/// </summary>
/// <typeparam name="TEvent">The gadget's event type.</typeparam>
/// <typeparam name="TView">The gadget's view of one record.</typeparam>
public sealed class ViewEventWriter<TEvent, TView> : IEventViewHandler<TView>
    where TView : allows ref struct
{
    private static readonly ContainerRuntime[] Runtimes = Enum.GetValues<ContainerRuntime>();
    private static readonly string[] RuntimeNames = [.. Runtimes.Select(EventJson.RuntimeName)];

    private readonly ViewSchema<TEvent, TView> _schema;
    private readonly OutputFormat _format;
    private readonly Func<TView, bool>? _keep;
    private readonly EventWriter<TEvent> _events;
    private readonly bool _inPlace;
    private readonly (string Name, int Width, Action<TView, FieldOutput>? Value)[] _columns;
    private readonly (JsonEncodedText Name, Action<TView, FieldOutput> Value)[] _json;
    private readonly JsonEncodedText _gadget;
    private readonly byte[] _header;
    private readonly Stream _output;
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 16);
    private readonly Utf8JsonWriter _writer;
    private readonly Utf8Row _row = new();
    private readonly FieldOutput _field;
    private bool _headerWritten;

    /// <summary>Creates a writer to standard output (or <paramref name="output"/>).</summary>
    /// <param name="schema">The gadget's fields.</param>
    /// <param name="format">The output format.</param>
    /// <param name="fields">The chosen fields (null: the defaults).</param>
    /// <param name="filter">The <c>--filter</c> (<see cref="EventFilter.None"/>: none).</param>
    /// <param name="keep">Which records to write (null: all): the command's own options, asked before anything else.</param>
    /// <param name="flushThreshold">How many bytes <see cref="OnEvent"/> lets the buffer hold before it writes them.</param>
    /// <param name="output">Where to write (standard output by default).</param>
    public ViewEventWriter(ViewSchema<TEvent, TView> schema, OutputFormat format, IReadOnlyList<string>? fields, EventFilter filter,
        Func<TView, bool>? keep = null, int flushThreshold = EventWriter<TEvent>.DefaultFlushThreshold, Stream? output = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        _schema = schema;
        _format = format;
        _keep = keep;
        _output = output ?? Console.OpenStandardOutput();
        _events = new EventWriter<TEvent>(schema.Events, format, fields, filter, _output) { FlushThreshold = flushThreshold };
        FlushThreshold = flushThreshold;
        _inPlace = Supports(format, filter);
        var events = schema.Events;
        var chosen = fields is null ? [.. events.Fields.Where(f => f.Default)] : fields.Select(n => events.Find(n)!).ToArray();
        _columns = [.. chosen.Select(f => (f.Name, f.Width, schema.Value(f.Name)))];
        _json = [.. (fields is null ? events.Fields.Where(f => f.InJson) : chosen.Where(f => f.InJson)).Select(f => (JsonEncodedText.Encode(f.Name), schema.Value(f.Name)!))];
        _gadget = JsonEncodedText.Encode(events.Gadget);
        _header = Encoding.UTF8.GetBytes(string.Join(' ', chosen.Select(f => Pad(f.Header, f.Width))).TrimEnd() + "\n");
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
        _field = new FieldOutput(_row, _writer) { IsJson = format != OutputFormat.Columns };
    }

    /// <summary>Records written.</summary>
    public long Count => _inPlace ? InPlaceCount : _events.Count;

    /// <summary>Bytes formatted and not yet written to the output.</summary>
    public int BufferedBytes => _buffer.WrittenCount + _events.BufferedBytes;

    /// <summary>How many bytes <see cref="OnEvent"/> lets the buffer hold before it writes them (32 KiB by default).</summary>
    public int FlushThreshold { get; }

    private long InPlaceCount { get; set; }

    /// <summary>Whether records are written in place for <paramref name="format"/> and <paramref name="filter"/> (else through event objects).</summary>
    public static bool Supports(OutputFormat format, EventFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return format is OutputFormat.Columns or OutputFormat.Json && !filter.Fields.Any();
    }

    /// <summary>Writes one record (unless <c>keep</c> says not to); flushes once <see cref="FlushThreshold"/> bytes are buffered.</summary>
    public void OnEvent(in TView view)
    {
        if (_keep is not null && !_keep(view))
        {
            return;
        }
        if (!_inPlace)
        {
            _events.Write(_schema.ToEvent(view));
            return;
        }
        InPlaceCount++;
        if (_format == OutputFormat.Columns)
        {
            WriteRow(view);
        }
        else
        {
            WriteJson(view);
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
        _events.Flush();
    }

    /// <summary>Reports events the kernel dropped, after what is buffered (see <see cref="EventWriter{T}.WriteLost"/>).</summary>
    public void WriteLost(ulong count, ulong total)
    {
        Flush();
        _events.WriteLost(count, total);
    }

    private void WriteRow(in TView view)
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
            var (name, width, value) = _columns[i];
            var cell = _row.Length;
            if (value is not null)
            {
                value(view, _field);
            }
            else
            {
                WriteShared(name, view);
            }
            _row.Pad(cell, width);
        }
        // A row ends without trailing white space (EventWriter trims the row).
        _row.WriteTo(_buffer);
    }

    // The TIME, CONTAINER, NAMESPACE and POD columns.
    private void WriteShared(string name, in TView view)
    {
        var container = _schema.Container(view);
        switch (name)
        {
            case "time":
                Span<byte> time = stackalloc byte[32];
                BootClock.ToUtc(_schema.BootTime(view)).ToLocalTime().TryFormat(time, out var n, "HH:mm:ss.fff", CultureInfo.InvariantCulture);
                _row.Append(time[..n]);
                break;
            case "container":
                _row.AppendText(container?.Name);
                break;
            case "namespace":
                _row.AppendText(container?.Kubernetes?.Namespace);
                break;
            default:
                _row.AppendText(container?.Kubernetes?.PodName);
                break;
        }
    }

    private void WriteJson(in TView view)
    {
        _writer.Reset(_buffer);
        var w = _writer;
        w.WriteStartObject();
        w.WriteString("type"u8, "event"u8);
        w.WriteString("gadget"u8, _gadget);
        var boot = _schema.BootTime(view);
        Span<byte> time = stackalloc byte[40];
        BootClock.ToUtc(boot).UtcDateTime.TryFormat(time, out var n, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        w.WriteString("timestamp"u8, time[..n]);
        w.WriteNumber("timestampBoot"u8, boot);
        var container = _schema.Container(view);
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
        foreach (var (name, value) in _json)
        {
            w.WritePropertyName(name);
            value(view, _field);
        }
        w.WriteEndObject();
        w.Flush();
        _buffer.Write("\n"u8);
    }

    private static string Pad(string text, int width) => width switch
    {
        0 => text,
        < 0 => text.PadRight(-width),
        _ => text.PadLeft(width),
    };
}
