using System.Globalization;
using System.Text;

namespace Gadget.Gadgets;

/// <summary>
/// The NetworkPolicy (networking.k8s.io/v1) one workload needs for the connections seen: its pods selected by their
/// labels, ingress from the peers that connected to it, egress to the peers it connected to, nothing else allowed.
/// </summary>
public sealed record NetworkPolicyAdvice
{
    /// <summary>The policy's name (<c>&lt;workload&gt;-network</c>, DNS-1123).</summary>
    public required string Name { get; init; }

    /// <summary>The workload's namespace (<c>default</c> when the container has no Kubernetes metadata).</summary>
    public required string Namespace { get; init; }

    /// <summary>The labels that select the workload's pods (<c>spec.podSelector.matchLabels</c>).</summary>
    public required IReadOnlyDictionary<string, string> PodLabels { get; init; }

    /// <summary>Who connected to the workload, and on which of its ports.</summary>
    public required IReadOnlyList<NetworkPolicyPeer> Ingress { get; init; }

    /// <summary>Whom the workload connected to, and on which ports.</summary>
    public required IReadOnlyList<NetworkPolicyPeer> Egress { get; init; }

    /// <summary>The policy as a YAML document.</summary>
    public string ToYaml()
    {
        var yaml = new StringBuilder();
        yaml.Append("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n");
        yaml.Append("  name: ").Append(Quote(Name)).Append('\n');
        yaml.Append("  namespace: ").Append(Quote(Namespace)).Append('\n');
        yaml.Append("spec:\n  podSelector:\n");
        AppendLabels(yaml, "    ", PodLabels);
        yaml.Append("  policyTypes:\n  - Ingress\n  - Egress\n");
        AppendRules(yaml, "ingress", "from", Ingress);
        AppendRules(yaml, "egress", "to", Egress);
        return yaml.ToString();
    }

    private static void AppendRules(StringBuilder yaml, string section, string peers, IReadOnlyList<NetworkPolicyPeer> rules)
    {
        if (rules.Count == 0)
        {
            yaml.Append("  ").Append(section).Append(": []\n");
            return;
        }
        yaml.Append("  ").Append(section).Append(":\n");
        foreach (var rule in rules)
        {
            yaml.Append("  - ").Append(peers).Append(":\n");
            if (rule.Cidr is not null)
            {
                yaml.Append("    - ipBlock:\n        cidr: ").Append(rule.Cidr).Append('\n');
            }
            else
            {
                yaml.Append("    - namespaceSelector:\n        matchLabels:\n          kubernetes.io/metadata.name: ").Append(Quote(rule.Namespace ?? "default")).Append('\n');
                yaml.Append("      podSelector:\n");
                AppendLabels(yaml, "        ", rule.PodLabels ?? new Dictionary<string, string>());
            }
            yaml.Append("    ports:\n");
            foreach (var port in rule.Ports)
            {
                yaml.Append("    - protocol: TCP\n      port: ").Append(port.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }
    }

    private static void AppendLabels(StringBuilder yaml, string indent, IReadOnlyDictionary<string, string> labels)
    {
        if (labels.Count == 0)
        {
            yaml.Append(indent).Append("matchLabels: {}\n");
            return;
        }
        yaml.Append(indent).Append("matchLabels:\n");
        foreach (var (key, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            yaml.Append(indent).Append("  ").Append(Quote(key)).Append(": ").Append(Quote(value)).Append('\n');
        }
    }

    /// <summary>A YAML double-quoted scalar.</summary>
    internal static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    quoted.Append("\\\"");
                    break;
                case '\\':
                    quoted.Append("\\\\");
                    break;
                default:
                    if (char.IsControl(c))
                    {
                        quoted.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        quoted.Append(c);
                    }
                    break;
            }
        }
        return quoted.Append('"').ToString();
    }
}
