using System.Net;
using System.Text;
using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>
/// Writes Kubernetes NetworkPolicies from the TCP connections seen (<see cref="TcpConnect"/> and <see cref="TcpAccept"/>
/// events): one policy per workload (a container's pod labels in its namespace), with egress rules to the peers it
/// connected to and ingress rules from the peers it accepted.
/// </summary>
/// <remarks>
/// <para>
/// A peer is a workload when its address is known to belong to a container seen in the events: the local address of a
/// container's accepted or outgoing connection. Such peers
/// are selected by pod labels and namespace; other peers get an <c>ipBlock</c> with their single address (/32 or /128).
/// Connections between containers of one workload and loopback connections (inside one pod's network namespace) are
/// left out: NetworkPolicies do not apply to them. Failed connects and events of processes outside containers are
/// ignored. A container without labels gets an empty podSelector, which selects
/// every pod of its namespace: review such a policy before applying it.
/// </para>
/// <para>Not thread-safe: feed it from one reader at a time.</para>
/// </remarks>
public sealed class NetworkPolicyAdvisor
{
    private readonly List<Observed> _observed = [];

    /// <summary>How many events were taken into account.</summary>
    public int Count => _observed.Count;

    /// <summary>Adds an outgoing connection (failed ones are ignored).</summary>
    public void Add(TcpConnectEvent connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.Succeeded)
        {
            _observed.Add(new Observed(connection.Container, connection.SourceAddress, connection.DestinationAddress, connection.DestinationPort, Outgoing: true));
        }
    }

    /// <summary>Adds an accepted connection.</summary>
    public void Add(TcpAcceptEvent connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _observed.Add(new Observed(connection.Container, connection.LocalAddress, connection.RemoteAddress, connection.LocalPort, Outgoing: false));
    }

    /// <summary>One policy per workload seen, ordered by namespace and name.</summary>
    public IReadOnlyList<NetworkPolicyAdvice> Advise()
    {
        // Addresses that belong to workloads: the local side of their connections.
        var owners = new Dictionary<IPAddress, Workload>();
        foreach (var o in _observed)
        {
            if (Workload.Of(o.Container) is { } workload && !IPAddress.IsLoopback(o.Local))
            {
                owners.TryAdd(Normalize(o.Local), workload);
            }
        }
        var rules = new SortedDictionary<Workload, (Dictionary<PeerKey, SortedSet<int>> Ingress, Dictionary<PeerKey, SortedSet<int>> Egress)>();
        foreach (var o in _observed)
        {
            if (Workload.Of(o.Container) is not { } workload)
            {
                continue;
            }
            var remote = Normalize(o.Remote);
            if (IPAddress.IsLoopback(remote))
            {
                continue; // inside one pod's network namespace
            }
            owners.TryGetValue(remote, out var peer);
            if (peer is not null && peer.Equals(workload))
            {
                continue;
            }
            if (!rules.TryGetValue(workload, out var sides))
            {
                sides = ([], []);
                rules[workload] = sides;
            }
            var key = peer is not null ? new PeerKey(peer, null) : new PeerKey(null, remote.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"{remote}/128" : $"{remote}/32");
            var side = o.Outgoing ? sides.Egress : sides.Ingress;
            if (!side.TryGetValue(key, out var ports))
            {
                ports = [];
                side[key] = ports;
            }
            ports.Add(o.Port);
        }
        // Workloads seen without any policy-relevant traffic still get a (deny-all) policy.
        foreach (var o in _observed)
        {
            if (Workload.Of(o.Container) is { } workload && !rules.ContainsKey(workload))
            {
                rules[workload] = ([], []);
            }
        }
        return [.. rules.Select(r => new NetworkPolicyAdvice
        {
            Name = r.Key.PolicyName,
            Namespace = r.Key.Namespace,
            PodLabels = r.Key.Labels,
            Ingress = Peers(r.Value.Ingress),
            Egress = Peers(r.Value.Egress),
        })];
    }

    /// <summary>Every policy of <see cref="Advise"/> as one YAML stream (documents separated by <c>---</c>).</summary>
    public string ToYaml()
    {
        var yaml = new StringBuilder();
        foreach (var advice in Advise())
        {
            yaml.Append("---\n").Append(advice.ToYaml());
        }
        return yaml.ToString();
    }

    private static List<NetworkPolicyPeer> Peers(Dictionary<PeerKey, SortedSet<int>> side) =>
        [.. side.OrderBy(p => p.Key.SortKey, StringComparer.Ordinal).Select(p => new NetworkPolicyPeer
        {
            Namespace = p.Key.Workload?.Namespace,
            PodLabels = p.Key.Workload?.Labels,
            Cidr = p.Key.Cidr,
            Ports = [.. p.Value],
        })];

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private sealed record Observed(Container? Container, IPAddress Local, IPAddress Remote, int Port, bool Outgoing);

    private sealed record PeerKey(Workload? Workload, string? Cidr)
    {
        public string SortKey => Workload is not null ? "0" + Workload.SortKey : "1" + Cidr;
    }

    /// <summary>A workload: the pods with these labels in this namespace (a Kubernetes pod's labels, or the container's).</summary>
    private sealed class Workload : IComparable<Workload>, IEquatable<Workload>
    {
        private Workload(string ns, string name, SortedDictionary<string, string> labels)
        {
            Namespace = ns;
            Name = name;
            Labels = labels;
            SortKey = ns + "/" + string.Join(",", labels.Select(l => l.Key + "=" + l.Value));
        }

        public string Namespace { get; }

        public string Name { get; }

        public IReadOnlyDictionary<string, string> Labels { get; }

        public string SortKey { get; }

        public string PolicyName
        {
            get
            {
                var name = new StringBuilder();
                foreach (var c in Name.ToLowerInvariant())
                {
                    name.Append(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '.' ? c : '-');
                }
                var trimmed = name.ToString().Trim('-', '.');
                trimmed = trimmed.Length > 245 ? trimmed[..245] : trimmed;
                return (trimmed.Length == 0 ? "workload" : trimmed) + "-network";
            }
        }

        public static Workload? Of(Container? container)
        {
            if (container is null)
            {
                return null;
            }
            var k8s = container.Kubernetes;
            var source = k8s is not null && k8s.PodLabels.Count > 0 ? k8s.PodLabels : container.Labels;
            var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in source)
            {
                if (IsLabel(key, value))
                {
                    labels[key] = value;
                }
            }
            return new Workload(k8s?.Namespace ?? "default", k8s?.PodName ?? container.Name, labels);
        }

        public int CompareTo(Workload? other) => string.CompareOrdinal(SortKey, other?.SortKey);

        public bool Equals(Workload? other) => other is not null && SortKey == other.SortKey;

        public override bool Equals(object? obj) => Equals(obj as Workload);

        public override int GetHashCode() => SortKey.GetHashCode(StringComparison.Ordinal);

        // Kubernetes label values are at most 63 characters; runtime annotations are not labels.
        private static bool IsLabel(string key, string value) =>
            value.Length <= 63 && !key.StartsWith("io.kubernetes.", StringComparison.Ordinal) && !key.StartsWith("org.opencontainers.", StringComparison.Ordinal)
            && !value.Contains('\n', StringComparison.Ordinal) && !value.Contains(' ', StringComparison.Ordinal);
    }
}
