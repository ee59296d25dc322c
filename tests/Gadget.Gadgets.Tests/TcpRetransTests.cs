using System.Net;
using Gadget.Containers;
using Gadget.Containers.Tests;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// tcpretrans against real retransmissions: in a network namespace of its own, a server socket drops the client's data
/// (a socket filter), so the client's kernel retransmits; the socket's ports, namespace and creator's cgroup are the oracle.
/// </summary>
[Collection("gadgets")]
public sealed class TcpRetransTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task ARetransmissionIsReportedWithTheSocketsAddressesPortsAndCgroup(string address)
    {
        await using var retrans = TcpRetrans.Start(new GadgetOptions());
        await using var events = new EventCollector<TcpRetransEvent>(retrans.ReadAsync());

        var run = NetnsScenarios.DroppedByASocketFilter(address);

        // The client socket's own counter (TCP_INFO) said how many it had retransmitted: at least as many events came
        // (its timer may fire once more before the scenario closes it).
        var retransmitted = int.Parse(run.Detail, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(retransmitted >= 2, $"the client socket counted {retransmitted} retransmissions");
        bool Ours(TcpRetransEvent e) => e.NetNamespaceId == run.Netns && e.SourcePort == run.ClientPort && e.State == TcpState.Established;
        var last = await events.WaitForAsync(x => Ours(x) && events.Snapshot().Count(Ours) >= retransmitted, Timeout);
        Assert.True(last is not null, $"{events.Snapshot().Count(Ours)} retransmission events for the client socket, which counted {retransmitted}");
        var e = events.Snapshot().First(Ours);
        var loopback = IPAddress.Parse(address);
        Assert.Equal((loopback, run.ClientPort, loopback, run.ServerPort), (e.SourceAddress, e.SourcePort, e.DestinationAddress, e.DestinationPort));
        Assert.Equal(address.Contains(':', StringComparison.Ordinal) ? 6 : 4, e.IPVersion);
        Assert.Equal(TcpState.Established, e.State);
        Assert.True(e.Flags.HasFlag(TcpFlags.Ack), $"flags {e.Flags}");
        Assert.Equal(run.Cgroup, e.CgroupId);
        Assert.Null(e.Container);
        // While established, only the client retransmitted: the server's socket sent no data. (Once the scenario exits,
        // the server's FIN is retransmitted too: its socket filter drops the client's ACKs.)
        Assert.DoesNotContain(events.Snapshot(), x => x.NetNamespaceId == run.Netns && x.SourcePort == run.ServerPort && x.State == TcpState.Established);
    }

    [Fact]
    public async Task TheKernelFilterKeepsTheSelectedContainersSocketsOnly()
    {
        await using var containers = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = TimeSpan.FromMilliseconds(200) });
        var id = RuncContainer.NewId("retrans");
        using var runc = RuncContainer.Create(id, ["sh", "-c", "sleep 60"]);
        var container = await containers.WaitForContainerAsync(c => c.Id == id, Timeout) ?? throw new Xunit.Sdk.XunitException("container not seen");
        await using var retrans = TcpRetrans.Start(new GadgetOptions { Containers = containers, Selector = new ContainerSelector { IdPrefix = id } });
        await using var events = new EventCollector<TcpRetransEvent>(retrans.ReadAsync());
        try
        {
            // First sockets of the test's own cgroup (not selected), then sockets made by a process that joined the
            // container's cgroup: the kernel keeps the socket's creator cgroup, which the filter checks. Events come in
            // order, so once the second run's arrive, any of the first run's would be there too.
            var outside = NetnsScenarios.DroppedByASocketFilter("127.0.0.1");
            var inside = NetnsScenarios.DroppedByASocketFilter("127.0.0.1", container.CgroupPath);

            Assert.Equal(container.CgroupId, inside.Cgroup);
            var e = await events.WaitForAsync(x => x.NetNamespaceId == inside.Netns && x.SourcePort == inside.ClientPort, Timeout);
            Assert.NotNull(e);
            Assert.Equal((container.CgroupId, TcpState.Established), (e.CgroupId, e.State));
            Assert.Same(container, e.Container);
            // (Namespace inodes are reused once a scenario's namespace is gone: the cgroup tells the runs apart.)
            Assert.NotEqual(container.CgroupId, outside.Cgroup);
            Assert.All(events.Snapshot(), x => Assert.Equal(container.CgroupId, x.CgroupId));
        }
        finally
        {
            runc.Kill();
        }
    }
}
