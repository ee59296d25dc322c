using System.Net;
using System.Net.Sockets;
using Xunit;
using static Gadget.Gadgets.Tests.TcpTestHelpers;

namespace Gadget.Gadgets.Tests;

public sealed class TcpConnectTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task ConnectFromThisProcess_ReportsAddressesPortsPidAndThread(string loopback)
    {
        var address = IPAddress.Parse(loopback);
        await using var gadget = TcpConnect.Start(new GadgetOptions());
        using var listener = new TcpListener(address, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        OnNamedThread("gadget-connect", () =>
        {
            client.Connect(address, port);
            return 0;
        });
        var local = (IPEndPoint)client.LocalEndPoint!;

        var e = await FirstAsync(gadget.ReadAsync(), e => e.DestinationPort == port, Timeout);

        Assert.Equal(Environment.ProcessId, e.Pid);
        Assert.Equal("gadget-connect", e.Comm);
        Assert.Equal(address, e.DestinationAddress);
        Assert.Equal(address, e.SourceAddress);
        Assert.Equal(local.Port, e.SourcePort);
        Assert.True(e.Succeeded);
        Assert.Equal(0, e.Error);
        Assert.Equal("OK", e.Result);
        Assert.Equal(address.AddressFamily == AddressFamily.InterNetworkV6 ? 6 : 4, e.IPVersion);
        Assert.Equal(NetNamespaceOf(Environment.ProcessId), e.NetNamespaceId);
        Assert.InRange(e.Latency, TimeSpan.Zero, Timeout);
        Assert.Equal(0UL, gadget.LostEvents);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task ConnectFromChildProcess_ReportsTheChild(string loopback)
    {
        var address = IPAddress.Parse(loopback);
        await using var gadget = TcpConnect.Start(new GadgetOptions());
        using var listener = new TcpListener(address, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var (pid, output) = RunPython($"import socket; s = socket.create_connection(('{loopback}', {port})); print(s.getsockname()[1])");

        var e = await FirstAsync(gadget.ReadAsync(), e => e.DestinationPort == port, Timeout);
        Assert.Equal(pid, e.Pid);
        Assert.Equal(pid, e.Tid);
        Assert.Equal("python3", e.Comm);
        Assert.Equal(int.Parse(output), e.SourcePort);
        Assert.Equal(address, e.DestinationAddress);
        Assert.True(e.Succeeded);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task ConnectToClosedPort_ReportsConnectionRefused(string loopback)
    {
        var address = IPAddress.Parse(loopback);
        var port = ClosedPort(address);
        await using var gadget = TcpConnect.Start(new GadgetOptions());
        using var client = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        var refused = Assert.Throws<SocketException>(() => client.Connect(address, port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

        var e = await FirstAsync(gadget.ReadAsync(), e => e.DestinationPort == port, Timeout);
        Assert.Equal(Environment.ProcessId, e.Pid);
        Assert.False(e.Succeeded);
        Assert.Equal(111, e.Error);
        Assert.Equal("ECONNREFUSED", e.Result);
        Assert.Equal(address, e.DestinationAddress);
    }

    internal static ulong NetNamespaceOf(int pid)
    {
        var link = File.ResolveLinkTarget($"/proc/{pid}/ns/net", returnFinalTarget: false)!.ToString();
        return ulong.Parse(link[(link.IndexOf('[') + 1)..link.IndexOf(']')]);
    }
}
