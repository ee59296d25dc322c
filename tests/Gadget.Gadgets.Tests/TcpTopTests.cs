using System.Net;
using System.Net.Sockets;
using Gadget.Bpf.Tests;
using Xunit;

namespace Gadget.Gadgets.Tests;

public sealed class TcpTopTests
{
    [SkippableTheory]
    [InlineData("127.0.0.1", 1_234_567, 54_321)]
    [InlineData("::1", 300_001, 7)]
    public async Task BytesSentAndReceivedOverLoopback_MatchWhatWasTransferred(string loopback, int request, int response)
    {
        var address = IPAddress.Parse(loopback);
        KernelFeatures.Require(KernelFeatures.SockLengthTracepoints);
        await using var gadget = TcpTop.Start(new GadgetOptions(), new TcpTopOptions { Interval = TimeSpan.FromMilliseconds(250) });
        using var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, 0));
        listener.Listen();
        var serverPort = ((IPEndPoint)listener.LocalEndPoint!).Port;
        using var client = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(address, serverPort);
        using var server = listener.Accept();
        var clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;

        var payload = new byte[request];
        var sending = Task.Run(() => client.Send(payload));
        var received = ReceiveExactly(server, request);
        Assert.Equal(request, await sending);
        server.Send(new byte[response]);
        Assert.Equal(response, ReceiveExactly(client, response));

        // Sum the snapshots until both directions are accounted for (or 5 s pass): the counts are per interval.
        long clientSent = 0, clientReceived = 0, serverSent = 0, serverReceived = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var snapshots = 0;
        try
        {
            await foreach (var snapshot in gadget.ReadAsync(timeout.Token))
            {
                snapshots++;
                Assert.InRange(snapshot.Interval, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(3));
                foreach (var row in snapshot.Connections.Where(r => r.Pid == Environment.ProcessId))
                {
                    if (row.LocalPort == clientPort && row.RemotePort == serverPort)
                    {
                        Assert.Equal(address, row.LocalAddress);
                        Assert.Equal(address, row.RemoteAddress);
                        clientSent += row.BytesSent;
                        clientReceived += row.BytesReceived;
                    }
                    else if (row.LocalPort == serverPort && row.RemotePort == clientPort)
                    {
                        serverSent += row.BytesSent;
                        serverReceived += row.BytesReceived;
                    }
                }
                if (clientSent == request && serverReceived == request && serverSent == response && clientReceived == response)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
        }
        Assert.Equal(request, received);
        Assert.Equal((long)request, clientSent);
        Assert.Equal((long)request, serverReceived);
        Assert.Equal((long)response, serverSent);
        Assert.Equal((long)response, clientReceived);
        Assert.True(snapshots >= 1);
        Assert.Equal(0UL, gadget.DroppedUpdates);
    }

    [SkippableFact]
    public async Task Collect_ResetsTheCounts()
    {
        KernelFeatures.Require(KernelFeatures.SockLengthTracepoints);
        await using var gadget = TcpTop.Start(new GadgetOptions());
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        using var server = listener.Accept();
        var clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        client.Send(new byte[1000]);
        ReceiveExactly(server, 1000);

        var first = gadget.Collect().Connections.Single(r => r.Pid == Environment.ProcessId && r.LocalPort == clientPort);
        Assert.Equal(1000, first.BytesSent);
        Assert.DoesNotContain(gadget.Collect().Connections, r => r.Pid == Environment.ProcessId && r.LocalPort == clientPort);
    }

    private static int ReceiveExactly(Socket socket, int count)
    {
        var buffer = new byte[65536];
        var total = 0;
        while (total < count)
        {
            var n = socket.Receive(buffer, 0, Math.Min(buffer.Length, count - total), SocketFlags.None);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }
}
