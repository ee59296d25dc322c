using System.Text.Json.Serialization;

namespace Gadget.Gadgets;

/// <summary>
/// Source-generated System.Text.Json metadata for every gadget's events (and tcptop's and filetop's snapshots, the network policy
/// advice): a host serializes them without reflection, trimmed or AOT-compiled. camelCase names; IP addresses as their
/// text; enums as numbers; the <see cref="Containers.Container"/> of an event whole (read back, it lacks what only the
/// collection sets: its registration time and exit status).
/// </summary>
/// <example><code>JsonSerializer.Serialize(execEvent, GadgetsJsonContext.Default.ExecEvent)</code></example>
[System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0041:Public members should not use oblivious types", Justification = "The JSON source generator writes the context's properties without nullable annotations.")]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, Converters = [typeof(IPAddressJsonConverter)])]
[JsonSerializable(typeof(ExecEvent))]
[JsonSerializable(typeof(OpenEvent))]
[JsonSerializable(typeof(SignalEvent))]
[JsonSerializable(typeof(OomKillEvent))]
[JsonSerializable(typeof(ExitEvent))]
[JsonSerializable(typeof(BindEvent))]
[JsonSerializable(typeof(MountEvent))]
[JsonSerializable(typeof(ProcessSnapshotEntry))]
[JsonSerializable(typeof(SocketSnapshotEntry))]
[JsonSerializable(typeof(TcpConnectEvent))]
[JsonSerializable(typeof(TcpAcceptEvent))]
[JsonSerializable(typeof(TcpRetransEvent))]
[JsonSerializable(typeof(TcpDropEvent))]
[JsonSerializable(typeof(CapabilityEvent))]
[JsonSerializable(typeof(DnsEvent))]
[JsonSerializable(typeof(TcpTraffic))]
[JsonSerializable(typeof(TcpTopSnapshot))]
[JsonSerializable(typeof(FileTraffic))]
[JsonSerializable(typeof(FileTopSnapshot))]
[JsonSerializable(typeof(NetworkPolicyAdvice))]
public sealed partial class GadgetsJsonContext : JsonSerializerContext;
