using System.Text.Json;
using System.Text.Json.Serialization;
using Gadget.Containers;

namespace Gadget.Agent;

/// <summary>Writes a container as its identity (id, name, runtime, pid, Kubernetes metadata, labels).</summary>
public sealed class ContainerJsonConverter : JsonConverter<Container>
{
    /// <inheritdoc/>
    public override Container Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, Container value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("id", value.Id);
        writer.WriteString("name", value.Name);
        writer.WriteString("runtime", value.Runtime.ToString());
        writer.WriteNumber("pid", value.Pid);
        writer.WriteNumber("cgroupId", value.CgroupId);
        if (value.Kubernetes is { } k)
        {
            writer.WritePropertyName("kubernetes");
            JsonSerializer.Serialize(writer, k, options);
        }
        writer.WritePropertyName("labels");
        JsonSerializer.Serialize(writer, value.Labels, options);
        if (value.ExitStatus is { } exit)
        {
            writer.WriteString("exitStatus", exit.ToString());
        }
        writer.WriteEndObject();
    }
}
