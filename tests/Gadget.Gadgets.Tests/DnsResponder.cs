using System.Net;
using System.Net.Sockets;
using Gadget.Gadgets.Interop;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// A tiny DNS server for tests, on 127.0.0.1:53 of another process's network namespace (its UDP socket is opened from a
/// thread that entered it, and stays there): every A question gets <see cref="Address"/>, any other type an empty
/// NOERROR answer. Never a real resolver: it knows no names and forwards nothing.
/// </summary>
internal sealed class DnsResponder : IDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    /// <summary>A responder on 127.0.0.1:53 in the network namespace of process <paramref name="pid"/>.</summary>
    public DnsResponder(int pid, IPAddress address)
        : this(NetNamespaceThread.Run($"/proc/{pid}/ns/net", () => Bind(IPAddress.Loopback)), address)
    {
    }

    private DnsResponder(Socket socket, IPAddress address)
    {
        Address = address;
        _socket = socket;
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>A responder on <paramref name="listen"/>:53 in this process's network namespace (a 127/8 address nobody else uses).</summary>
    public static DnsResponder OnHost(IPAddress listen, IPAddress address) => new(Bind(listen), address);

    /// <summary>A UDP socket of the calling thread's network namespace bound to port 53 of <paramref name="address"/>.</summary>
    private static Socket Bind(IPAddress address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(address, 53));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The address every A answer gives.</summary>
    public IPAddress Address { get; }

    /// <summary>How many questions were answered.</summary>
    public int Answered { get; private set; }

    private async Task ServeAsync()
    {
        var buffer = new byte[512];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            var query = DnsMessage.Parse(buffer.AsSpan(0, received.ReceivedBytes));
            if (query.IsMalformed || query.IsResponse)
            {
                continue;
            }
            var answers = query.QueryType == 1 ? [DnsWire.Answer(1, Address.GetAddressBytes())] : Array.Empty<byte[]>();
            var response = DnsWire.Response(query.Id, query.Name, query.QueryType, rcode: 0, answers);
            await _socket.SendToAsync(response, received.RemoteEndPoint);
            Answered++;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
    }
}
