using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;
using static Gadget.Gadgets.Tests.TcpTestHelpers;

namespace Gadget.Gadgets.Tests;

public sealed class TcpAcceptTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task AcceptInThisProcess_ReportsListenerAndPeer(string loopback)
    {
        var address = IPAddress.Parse(loopback);
        await using var gadget = TcpAccept.Start(new GadgetOptions());
        using var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, 0));
        listener.Listen();
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var child = Task.Run(() => RunPython($"import socket; s = socket.create_connection(('{loopback}', {port})); print(s.getsockname()[1]); s.recv(1)"));
        OnNamedThread("gadget-accept", () =>
        {
            using var accepted = listener.Accept();
            return accepted.Send([1]);
        });
        var (_, output) = await child;

        var e = await FirstAsync(gadget.ReadAsync(), e => e.LocalPort == port, Timeout);
        Assert.Equal(Environment.ProcessId, e.Pid);
        Assert.Equal("gadget-accept", e.Comm);
        Assert.Equal(address, e.LocalAddress);
        Assert.Equal(address, e.RemoteAddress);
        Assert.Equal(int.Parse(output), e.RemotePort);
        Assert.Equal(TcpConnectTests.NetNamespaceOf(Environment.ProcessId), e.NetNamespaceId);
        Assert.Equal(0UL, gadget.LostEvents);
    }

    [Fact]
    public async Task AcceptInChildListener_ReportsTheListenerProcessNotTheConnector()
    {
        await using var gadget = TcpAccept.Start(new GadgetOptions());
        var port = ClosedPort(IPAddress.Loopback);
        var info = new ProcessStartInfo("busybox") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in (string[])["nc", "-l", "-p", port.ToString(), "127.0.0.1"])
        {
            info.ArgumentList.Add(argument);
        }
        using var listenerProcess = Process.Start(info)!;
        try
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var deadline = DateTime.UtcNow + Timeout;
            while (true)
            {
                try
                {
                    client.Connect(IPAddress.Loopback, port);
                    break;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(50);
                }
            }
            var clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;

            var e = await FirstAsync(gadget.ReadAsync(), e => e.LocalPort == port, Timeout);
            Assert.Equal(listenerProcess.Id, e.Pid);
            Assert.Equal("busybox", e.Comm);
            Assert.Equal(IPAddress.Loopback, e.RemoteAddress);
            Assert.Equal(clientPort, e.RemotePort);
        }
        finally
        {
            listenerProcess.Kill();
            listenerProcess.WaitForExit();
        }
    }
}
