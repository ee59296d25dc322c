using System.Net;
using Gadget.Containers;
using k8s;
using k8s.Models;
using Xunit;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// The advisor's rules for peers outside the known containers (ipBlock), loopback, failed connects and v4-mapped
/// addresses. Pure transformation of events: the kernel side is covered by <see cref="TcpContainerTests"/>.
/// </summary>
public sealed class NetworkPolicyAdvisorTests
{
    private static readonly Container Api = new()
    {
        Runtime = ContainerRuntime.Runc,
        Id = "api-0123",
        Name = "api",
        Pid = 4242,
        CgroupPath = "/kubepods/pod1/api-0123",
        CgroupId = 77,
        MountNamespaceId = 88,
        NetNamespaceId = 99,
        Kubernetes = new KubernetesMetadata { PodName = "api-7d9f", Namespace = "prod", ContainerName = "api", PodLabels = new Dictionary<string, string> { ["app"] = "api", ["canary"] = "true", ["version"] = "1.10" } },
    };

    [Fact]
    public void ExternalPeers_BecomeIpBlocks_LoopbackAndFailuresAreLeftOut()
    {
        var advisor = new NetworkPolicyAdvisor();
        advisor.Add(Connect("10.0.0.5", "93.184.216.34", 443, succeeded: true));
        advisor.Add(Connect("10.0.0.5", "93.184.216.34", 80, succeeded: true));
        advisor.Add(Connect("2001:db8::5", "2001:db8::1", 5432, succeeded: true));
        advisor.Add(Connect("127.0.0.1", "127.0.0.1", 9090, succeeded: true));
        advisor.Add(Connect("10.0.0.5", "10.9.9.9", 22, succeeded: false));
        advisor.Add(new TcpAcceptEvent
        {
            Timestamp = 1, Pid = 4242, Tid = 4242, Uid = 0, Comm = "api", CgroupId = 77, Container = Api, NetNamespaceId = 99,
            LocalAddress = IPAddress.Parse("::ffff:10.0.0.5"), LocalPort = 8443, RemoteAddress = IPAddress.Parse("::ffff:192.168.1.20"), RemotePort = 40000,
        });

        var advice = Assert.Single(advisor.Advise());
        Assert.Equal("api-7d9f-network", advice.Name);
        Assert.Equal("prod", advice.Namespace);
        Assert.Equal(2, advice.Egress.Count);
        Assert.Equal("2001:db8::1/128", advice.Egress[0].Cidr);
        Assert.Equal([5432], advice.Egress[0].Ports);
        Assert.Equal("93.184.216.34/32", advice.Egress[1].Cidr);
        Assert.Equal([80, 443], advice.Egress[1].Ports);
        var ingress = Assert.Single(advice.Ingress);
        Assert.Equal("192.168.1.20/32", ingress.Cidr);
        Assert.Equal([8443], ingress.Ports);

        var policy = (V1NetworkPolicy)Assert.Single(KubernetesYaml.LoadAllFromString(advisor.ToYaml()));
        Assert.Equal("true", policy.Spec.PodSelector.MatchLabels["canary"]); // quoted: not a YAML bool
        Assert.Equal("1.10", policy.Spec.PodSelector.MatchLabels["version"]);
        Assert.Equal("93.184.216.34/32", policy.Spec.Egress[1].To.Single().IpBlock.Cidr);
        Assert.Equal(["80", "443"], policy.Spec.Egress[1].Ports.Select(p => p.Port.Value));
        Assert.Equal("192.168.1.20/32", policy.Spec.Ingress.Single().FromProperty.Single().IpBlock.Cidr);
    }

    [Fact]
    public void WorkloadWithOnlyLoopbackTraffic_GetsDenyAllPolicy()
    {
        var advisor = new NetworkPolicyAdvisor();
        advisor.Add(Connect("127.0.0.1", "127.0.0.1", 8080, succeeded: true));
        var advice = Assert.Single(advisor.Advise());
        Assert.Empty(advice.Egress);
        Assert.Empty(advice.Ingress);
        var policy = (V1NetworkPolicy)Assert.Single(KubernetesYaml.LoadAllFromString(advisor.ToYaml()));
        Assert.Empty(policy.Spec.Egress);
        Assert.Empty(policy.Spec.Ingress);
        Assert.Equal(["Ingress", "Egress"], policy.Spec.PolicyTypes);
    }

    private static TcpConnectEvent Connect(string source, string destination, int port, bool succeeded) => new()
    {
        Timestamp = 1, Pid = 4242, Tid = 4242, Uid = 0, Comm = "api", CgroupId = 77, Container = Api, NetNamespaceId = 99,
        SourceAddress = IPAddress.Parse(source), SourcePort = 50000, DestinationAddress = IPAddress.Parse(destination), DestinationPort = port,
        Latency = TimeSpan.FromMilliseconds(1), Error = succeeded ? 0 : 111, Succeeded = succeeded,
    };
}
