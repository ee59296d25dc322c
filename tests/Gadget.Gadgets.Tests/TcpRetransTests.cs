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

        Assert.True(int.Parse(run.Detail, System.Globalization.CultureInfo.InvariantCulture) >= 2, $"the namespace counted {run.Detail} retransmissions");
        var e = await events.WaitForAsync(e => e.NetNamespaceId == run.Netns && e.SourcePort == run.ClientPort, Timeout);
        Assert.NotNull(e);
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
