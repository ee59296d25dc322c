using System.Net;
using System.Net.Sockets;
using Gadget.Containers;
using Gadget.Containers.Tests;
using Gadget.Gadgets.Interop;
using Xunit;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// trace dns against real DNS traffic that never leaves the machine: busybox nslookup in runc containers asks a test
/// responder on 127.0.0.1:53 of the container's own network namespace (only lo there) for a unique name; the host test
/// asks a responder on a 127/8 address of the host's loopback. No real resolver is ever asked.
/// </summary>
[Collection("gadgets")]
public sealed class DnsSnoopTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AContainersQueryAndResponse_AreReportedWithNameAnswerContainerAndLatency_AnUnselectedContainersAreNot()
    {
        await using var containers = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = TimeSpan.FromMilliseconds(200) });
        var selectedId = RuncContainer.NewId("dns-sel");
        var otherId = RuncContainer.NewId("dns-other");
        var selectedName = Unique("sel");
        var otherName = Unique("other");
        // Started before the containers: their namespaces are watched when the collection reports them.
        await using var dns = DnsSnoop.Start(new GadgetOptions { Containers = containers, Selector = new ContainerSelector { IdPrefix = selectedId } });
        await using var events = new EventCollector<DnsEvent>(dns.ReadAsync());

        using var selected = RuncContainer.Create(selectedId, Asking(selectedName));
        using var other = RuncContainer.Create(otherId, Asking(otherName));
        try
        {
            var container = await containers.WaitForContainerAsync(c => c.Id == selectedId, Patience) ?? throw new Xunit.Sdk.XunitException("selected container not seen");
            var otherContainer = await containers.WaitForContainerAsync(c => c.Id == otherId, Patience) ?? throw new Xunit.Sdk.XunitException("other container not seen");
            Assert.True(await WaitUntilAsync(() => dns.WatchedNamespaces.Contains(container.NetNamespaceId)), "the selected container's network namespace is not watched");
            Assert.DoesNotContain(otherContainer.NetNamespaceId, dns.WatchedNamespaces);

            // The responders start once the namespace is watched: every answer nslookup gets is seen.
            var answer = IPAddress.Parse("10.53.7.1");
            using var responder = new DnsResponder(container.Pid, answer);
            using var otherResponder = new DnsResponder(otherContainer.Pid, IPAddress.Parse("10.53.7.2"));

            var response = await events.WaitForAsync(e => e.Name == selectedName && e.Direction == DnsDirection.Response && e.QueryType == 1, Patience);
            Assert.True(response is not null, $"no A response for {selectedName}; events: {Describe(events.Snapshot())}; container output: {selected.Output}");
            var query = events.Snapshot().Last(e => e.Name == selectedName && e.Direction == DnsDirection.Query && e.Id == response.Id && e.QueryType == 1);

            Assert.Equal(container.Id, response.Container?.Id);
            Assert.Equal(container.NetNamespaceId, response.NetNamespaceId);
            Assert.Equal([answer], response.Addresses);
            Assert.Equal(1, response.AnswerCount);
            Assert.Equal(0, response.ResponseCode);
            Assert.Null(response.Error);
            Assert.Equal((IPAddress.Loopback, 53), (response.SourceAddress, response.SourcePort));
            Assert.NotNull(response.Latency);
            Assert.True(response.Latency >= TimeSpan.Zero, $"latency {response.Latency}");
            Assert.True(response.Timestamp >= query.Timestamp);

            Assert.Equal(container.Id, query.Container?.Id);
            Assert.Empty(query.Addresses);
            Assert.Null(query.Latency);
            Assert.Equal((IPAddress.Loopback, 53), (query.DestinationAddress, query.DestinationPort));
            Assert.Equal(query.SourcePort, response.DestinationPort);

            // The other container asked too (its responder answered); a query sent after that in the selected namespace
            // is reported: the ring buffer keeps order, so anything of the other container's would have come before it.
            Assert.True(await WaitUntilAsync(() => otherResponder.Answered > 0), $"the other container's nslookup got no answer: {other.Output}");
            var marker = Unique("marker");
            AskFrom(container.Pid, marker);
            Assert.NotNull(await events.WaitForAsync(e => e.Name == marker && e.Direction == DnsDirection.Response, Patience));
            Assert.DoesNotContain(events.Snapshot(), e => e.Name == otherName || e.NetNamespaceId == otherContainer.NetNamespaceId);
        }
        finally
        {
            selected.Kill();
            other.Kill();
        }
    }

    [Fact]
    public async Task AVanishedNamespace_ClosesItsSocket()
    {
        await using var containers = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = TimeSpan.FromMilliseconds(200) });
        var id = RuncContainer.NewId("dns-gone");
        using var runc = RuncContainer.Create(id, ["sh", "-c", "sleep 300"]);
        var container = await containers.WaitForContainerAsync(c => c.Id == id, Patience) ?? throw new Xunit.Sdk.XunitException("container not seen");
        await using var dns = DnsSnoop.Start(new GadgetOptions { Containers = containers, Selector = new ContainerSelector { IdPrefix = id } });
        Assert.Equal([container.NetNamespaceId], dns.WatchedNamespaces);
        var link = dns.SocketLink(container.NetNamespaceId);
        Assert.NotNull(link);
        Assert.StartsWith("socket:[", link, StringComparison.Ordinal);
        Assert.Contains(link, OpenDescriptorLinks());

        runc.Kill();
        Assert.True(await WaitUntilAsync(() => dns.WatchedNamespaces.Count == 0), "the namespace is still watched after its container went");
        Assert.Null(dns.SocketLink(container.NetNamespaceId));
        Assert.DoesNotContain(link, OpenDescriptorLinks());
    }

    [Fact]
    public async Task AHostQueryAndResponse_AreReportedWithoutAContainer()
    {
        // A responder on an address of the host's loopback nobody else uses; the query sent from this process.
        var listen = new IPAddress([127, 53, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(1, 255)]);
        using var responder = DnsResponder.OnHost(listen, IPAddress.Parse("10.53.8.1"));
        await using var dns = DnsSnoop.Start(new GadgetOptions());
        await using var events = new EventCollector<DnsEvent>(dns.ReadAsync());
        var name = Unique("host");

        var port = Ask(listen, name);

        var response = await events.WaitForAsync(e => e.Name == name && e.Direction == DnsDirection.Response, Patience);
        Assert.True(response is not null, $"no response for {name}; events: {Describe(events.Snapshot())}");
        var query = Assert.Single(events.Snapshot(), e => e.Name == name && e.Direction == DnsDirection.Query);
        Assert.Null(response.Container);
        Assert.Equal(NetNamespaceContainers.Inode("/proc/self/ns/net"), response.NetNamespaceId);
        Assert.Equal([IPAddress.Parse("10.53.8.1")], response.Addresses);
        Assert.Equal((listen, 53, IPAddress.Loopback, port), (response.SourceAddress, response.SourcePort, response.DestinationAddress, response.DestinationPort));
        Assert.Equal((IPAddress.Loopback, port, listen, 53), (query.SourceAddress, query.SourcePort, query.DestinationAddress, query.DestinationPort));
        Assert.Equal(query.Id, response.Id);
        Assert.NotNull(response.Latency);
        Assert.True(response.Latency >= TimeSpan.Zero);
        // On lo a packet passes the taps twice (sent, then received): it is reported once.
        Assert.Single(events.Snapshot(), e => e.Name == name && e.Direction == DnsDirection.Response);
    }

    /// <summary>A container command: nslookup of <paramref name="name"/> at 127.0.0.1 until it is answered, then sleep.</summary>
    private static string[] Asking(string name) =>
        ["sh", "-c", $"until busybox nslookup {name} 127.0.0.1; do sleep 0.2; done; sleep 300"];

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)] + ".gadget.test";

    /// <summary>Sends an A query for <paramref name="name"/> to <paramref name="server"/>:53 from 127.0.0.1 and waits for the answer; returns the source port.</summary>
    private static int Ask(IPAddress server, string name)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = (int)Patience.TotalMilliseconds };
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        client.SendTo(DnsWire.Query(Random.Shared.Next(1, 65535), name, 1), new IPEndPoint(server, 53));
        client.Receive(new byte[512]);
        return ((IPEndPoint)client.LocalEndPoint!).Port;
    }

    /// <summary>Asks the responder on 127.0.0.1:53 of process <paramref name="pid"/>'s network namespace, from a socket opened there.</summary>
    private static void AskFrom(int pid, string name) => NetNamespaceThread.Run($"/proc/{pid}/ns/net", () => Ask(IPAddress.Loopback, name));

    private static async Task<bool> WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(50);
        }
        return true;
    }

    private static HashSet<string> OpenDescriptorLinks()
    {
        var links = new HashSet<string>();
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target)
                {
                    links.Add(target);
                }
            }
            catch (IOException)
            {
                // closed meanwhile
            }
        }
        return links;
    }

    private static string Describe(IEnumerable<DnsEvent> events) =>
        string.Join("; ", events.TakeLast(20).Select(e => $"{e.Direction} {e.Name} {e.QueryTypeName} ns={e.NetNamespaceId} {e.SourceAddress}:{e.SourcePort}->{e.DestinationAddress}:{e.DestinationPort} {e.Error}"));
}
