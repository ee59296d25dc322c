using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gadget.Gadgets;

/// <summary>An IP address as its text (<c>"127.0.0.1"</c>, <c>"::1"</c>), for <see cref="GadgetsJsonContext"/>.</summary>
internal sealed class IPAddressJsonConverter : JsonConverter<IPAddress>
{
    public override IPAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        IPAddress.TryParse(reader.GetString(), out var address) ? address : throw new JsonException($"not an IP address: '{reader.GetString()}'");

    public override void Write(Utf8JsonWriter writer, IPAddress value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
