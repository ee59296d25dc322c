using System.Globalization;
using System.Text.Json;
using Gadget.CommandLine;

namespace Gadget.Client;

/// <summary>One <c>{"type":"event"}</c> line of the agent's stream (schemas/gadget-event.schema.json), read back into field values.</summary>
internal sealed class AgentEvent(JsonElement root)
{
    /// <summary>The event's field <paramref name="name"/> as the gadgets CLI has it: a string, a whole number, a number, a bool, a list of strings, or null.</summary>
    public object? Value(string name) => root.TryGetProperty(name, out var value) ? Convert(value) : null;

    /// <summary>The event's wall-clock and boot-time timestamps.</summary>
    public EventTime Time
    {
        get
        {
            var wall = root.TryGetProperty("timestamp", out var t) && DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var w) ? w : DateTimeOffset.UnixEpoch;
            var boot = root.TryGetProperty("timestampBoot", out var b) && b.TryGetUInt64(out var ns) ? ns : 0;
            return new EventTime(wall, boot);
        }
    }

    /// <summary>The node, pod and container the agent said the event comes from.</summary>
    public EventOrigin Origin => new(
        Text("k8s", "node"), Text("k8s", "namespace"), Text("k8s", "pod"), Text("k8s", "container"),
        Text("runtime", "name"), Text("runtime", "containerId"), Text("runtime", "containerName"));

    private string Text(string parent, string name) =>
        root.TryGetProperty(parent, out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : "";

    private static object? Convert(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when value.TryGetInt64(out var whole) => whole,
        JsonValueKind.Number when value.TryGetUInt64(out var large) => large,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.Array => value.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText()).ToArray(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.GetRawText(),
    };
}
