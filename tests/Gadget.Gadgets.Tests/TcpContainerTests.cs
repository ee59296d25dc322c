using System.Net;
using System.Net.Sockets;
using Gadget.Containers;
using Gadget.Containers.Tests;
using k8s;
using k8s.Models;
using Xunit;
using static Gadget.Gadgets.Tests.TcpTestHelpers;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// Two runc "pods" (CRI-O style annotations, namespace <c>shop</c>), each in its own network namespace, linked by a veth
/// pair (10.231.0.1 web, 10.231.0.2 client): the client connects to the web server's port 8080.
/// </summary>
public sealed class TcpContainerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ContainerConnection_SelectedInKernel_ReportedWithContainers_AndAdvisedAsNetworkPolicy()
    {
        var ns = "shop-" + Guid.NewGuid().ToString("N")[..6];
        await using var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = TimeSpan.FromMilliseconds(200) });
        var options = new GadgetOptions { Containers = collection, Selector = new ContainerSelector { KubernetesNamespace = ns } };
        await using var connects = TcpConnect.Start(options);
        await using var accepts = TcpAccept.Start(options);

        using var web = RuncContainer.Create(RuncContainer.NewId("tcp-web"), ["sh", "-c", "busybox nc -l -p 8080 </dev/null; sleep 30"], Pod(ns, "web-1", "web", """{"app":"web","tier":"front"}"""));
        using var client = RuncContainer.Create(RuncContainer.NewId("tcp-client"), ["sh", "-c", "until busybox nc -w 2 10.231.0.1 8080 </dev/null; do sleep 0.2; done; sleep 30"], Pod(ns, "client-1", "client", """{"app":"client"}"""));
        var webContainer = await collection.WaitForContainerAsync(c => c.Id == web.Id, Patience) ?? throw new Xunit.Sdk.XunitException("web container not seen");
        var clientContainer = await collection.WaitForContainerAsync(c => c.Id == client.Id, Patience) ?? throw new Xunit.Sdk.XunitException("client container not seen");
        var suffix = Guid.NewGuid().ToString("N")[..6];
        try
        {
            Link(web.Pid, "gw" + suffix, "10.231.0.1", client.Pid, "gc" + suffix, "10.231.0.2");

            // A host connection during the same time must not cross the kernel filter.
            using var hostListener = new TcpListener(IPAddress.Loopback, 0);
            hostListener.Start();
            using (var hostClient = new TcpClient())
            {
                hostClient.Connect((IPEndPoint)hostListener.LocalEndpoint);
            }

            var seenConnects = new List<TcpConnectEvent>();
            var connect = await FirstAsync(connects.ReadAsync(), e => e.Succeeded && e.DestinationPort == 8080, Patience, seenConnects);
            var accept = await FirstAsync(accepts.ReadAsync(), e => e.LocalPort == 8080, Patience);

            Assert.All(seenConnects, e => Assert.Equal(clientContainer.CgroupId, e.CgroupId));
            Assert.Same(clientContainer, connect.Container);
            Assert.Equal(IPAddress.Parse("10.231.0.2"), connect.SourceAddress);
            Assert.Equal(IPAddress.Parse("10.231.0.1"), connect.DestinationAddress);
            Assert.Equal("busybox", connect.Comm);
            Assert.Equal(clientContainer.NetNamespaceId, connect.NetNamespaceId);
            Assert.NotEqual(client.Pid, connect.Pid); // nc is a child of the container's sh

            Assert.Same(webContainer, accept.Container);
            // busybox nc listens on a dual-stack IPv6 socket: the kernel reports IPv4 peers as v4-mapped IPv6 addresses.
            Assert.Equal(6, accept.IPVersion);
            Assert.True(accept.LocalAddress.IsIPv4MappedToIPv6);
            Assert.Equal(IPAddress.Parse("10.231.0.1"), accept.LocalAddress.MapToIPv4());
            Assert.Equal(IPAddress.Parse("10.231.0.2"), accept.RemoteAddress.MapToIPv4());
            Assert.Equal(connect.SourcePort, accept.RemotePort);
            Assert.Equal(webContainer.NetNamespaceId, accept.NetNamespaceId);

            var advisor = new NetworkPolicyAdvisor();
            foreach (var e in seenConnects)
            {
                advisor.Add(e);
            }
            advisor.Add(accept);
            var policies = advisor.Advise();
            Assert.Equal(2, policies.Count);
            var webPolicy = Assert.Single(policies, p => p.PodLabels.GetValueOrDefault("app") == "web");
            var clientPolicy = Assert.Single(policies, p => p.PodLabels.GetValueOrDefault("app") == "client");
            Assert.Equal(ns, webPolicy.Namespace);
            Assert.Equal("front", webPolicy.PodLabels["tier"]);
            var from = Assert.Single(webPolicy.Ingress);
            Assert.Equal(ns, from.Namespace);
            Assert.Equal("client", from.PodLabels!["app"]);
            Assert.Equal([8080], from.Ports);
            Assert.Empty(webPolicy.Egress);
            var to = Assert.Single(clientPolicy.Egress);
            Assert.Equal("web", to.PodLabels!["app"]);
            Assert.Equal([8080], to.Ports);
            Assert.Empty(clientPolicy.Ingress);

            var documents = KubernetesYaml.LoadAllFromString(advisor.ToYaml());
            Assert.Equal(2, documents.Count);
            var parsed = documents.Cast<V1NetworkPolicy>().Single(p => p.Spec.PodSelector.MatchLabels["app"] == "client");
            Assert.Equal(ns, parsed.Metadata.NamespaceProperty);
            Assert.Equal(["Ingress", "Egress"], parsed.Spec.PolicyTypes);
            var egress = Assert.Single(parsed.Spec.Egress);
            Assert.Equal("web", egress.To.Single().PodSelector.MatchLabels["app"]);
            Assert.Equal(ns, egress.To.Single().NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);
            Assert.Equal("TCP", egress.Ports.Single().Protocol);
            Assert.Equal("8080", egress.Ports.Single().Port.Value);
        }
        finally
        {
            web.Kill();
            client.Kill();
        }
    }

    private static Dictionary<string, string> Pod(string ns, string pod, string container, string labelsJson) => new()
    {
        ["io.kubernetes.pod.name"] = pod,
        ["io.kubernetes.pod.namespace"] = ns,
        ["io.kubernetes.container.name"] = container,
        ["io.kubernetes.cri-o.Labels"] = labelsJson,
    };

    /// <summary>A veth pair between the network namespaces of two processes, with an address on each end.</summary>
    private static void Link(int pidA, string nameA, string addressA, int pidB, string nameB, string addressB)
    {
        Run("ip", "link", "add", nameA, "netns", pidA.ToString(), "type", "veth", "peer", "name", nameB, "netns", pidB.ToString());
        foreach (var (pid, name, address) in new[] { (pidA, nameA, addressA), (pidB, nameB, addressB) })
        {
            Run("nsenter", "-t", pid.ToString(), "-n", "ip", "addr", "add", address + "/24", "dev", name);
            Run("nsenter", "-t", pid.ToString(), "-n", "ip", "link", "set", name, "up");
            Run("nsenter", "-t", pid.ToString(), "-n", "ip", "link", "set", "lo", "up");
        }
    }
}
