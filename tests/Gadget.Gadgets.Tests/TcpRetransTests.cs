using System.Net;

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
}
