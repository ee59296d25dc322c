using System.Text.Json.Serialization;

namespace Gadget.CommandLine;

/// <summary>The source-generated JSON metadata the command line serializes with (no reflection).</summary>
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class EventJsonContext : JsonSerializerContext;
