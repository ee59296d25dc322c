using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Gadget.Containers;

namespace Gadget.CommandLine;

/// <summary>
/// One event as JSON, the same for the gadgets CLI and the agent's streams (schemas/gadget-event.schema.json):
/// <c>type</c>, <c>gadget</c>, <c>timestamp</c> (ISO 8601, UTC), <c>timestampBoot</c> (CLOCK_BOOTTIME ns),
/// <c>k8s</c> {node, namespace, pod, container}, <c>runtime</c> {name, containerId, containerName}, then the gadget's fields.
/// </summary>
public static class EventJson
{
    /// <summary>This node's name: $NODE_NAME, or the host name.</summary>
    public static string Node { get; } = Environment.GetEnvironmentVariable("NODE_NAME") is { Length: > 0 } node ? node : Environment.MachineName;

    /// <summary>Writes <paramref name="item"/> with <paramref name="fields"/> (of <paramref name="schema"/>) as one JSON object.</summary>
    public static void Write<T>(Utf8JsonWriter writer, EventSchema<T> schema, IReadOnlyList<Field<T>> fields, T item)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(fields);
        writer.WriteStartObject();
        writer.WriteString("type", "event");
        writer.WriteString("gadget", schema.Gadget);
        var time = schema.Time(item);
        Span<byte> timestamp = stackalloc byte[40];
        time.Wall.UtcDateTime.TryFormat(timestamp, out var written, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        writer.WriteString("timestamp", timestamp[..written]);
        writer.WriteNumber("timestampBoot", time.BootNanoseconds);
        var origin = schema.Origin(item);
        writer.WriteStartObject("k8s");
        writer.WriteString("node", origin.Node);
        writer.WriteString("namespace", origin.Namespace);
        writer.WriteString("pod", origin.Pod);
        writer.WriteString("container", origin.KubernetesContainer);
        writer.WriteEndObject();
        writer.WriteStartObject("runtime");
        writer.WriteString("name", origin.Runtime);
        writer.WriteString("containerId", origin.ContainerId);
        writer.WriteString("containerName", origin.ContainerName);
        writer.WriteEndObject();
        foreach (var field in fields)
        {
            writer.WritePropertyName(field.Name);
            if (field.Integer is { } integer)
            {
                writer.WriteNumberValue(integer(item));
            }
            else
            {
                WriteValue(writer, field.Value(item));
            }
        }
        writer.WriteEndObject();
    }

    /// <summary>Every JSON field of <paramref name="item"/> as one line (ending with a newline).</summary>
    public static byte[] Line<T>(EventSchema<T> schema, T item)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            Write(writer, schema, schema.JsonFields, item);
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The runtime's name as ig writes it.</summary>
    public static string RuntimeName(ContainerRuntime runtime) => runtime switch
    {
        ContainerRuntime.CriO => "cri-o",
        _ => runtime.ToString().ToLowerInvariant(),
    };

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int or long or uint or ulong or short or ushort or byte or double or float or decimal:
                // The digits EventWriter's Text gives (ToString(null, InvariantCulture)), formatted in place.
                Span<byte> digits = stackalloc byte[64];
                if (((IUtf8SpanFormattable)value).TryFormat(digits, out var length, default, CultureInfo.InvariantCulture))
                {
                    writer.WriteRawValue(digits[..length], skipInputValidation: true);
                }
                else
                {
                    writer.WriteRawValue(EventWriter<object>.Text(value), skipInputValidation: true);
                }
                break;
            case IEnumerable<string> list:
                writer.WriteStartArray();
                foreach (var s in list)
                {
                    writer.WriteStringValue(s);
                }
                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(EventWriter<object>.Text(value));
                break;
        }
    }
}
