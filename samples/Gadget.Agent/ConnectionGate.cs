using System.Buffers;
using System.Net;
using System.Text;
using Gadget.CommandLine;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Gadget.Agent;

/// <summary>
/// Kestrel connection middleware, before any HTTP: reads the Unix socket peer's credentials (SO_PEERCRED) and checks them
/// against the <see cref="AccessPolicy"/> (403), counts the caller's connections (429), and records the
/// <see cref="Caller"/> as a connection feature for the request handlers. A refused connection gets a short HTTP answer
/// with the reason and is closed at once, so idle refused connections hold nothing.
/// </summary>
internal sealed class ConnectionGate(AccessPolicy policy, CallerLimits limits, ILogger logger, AgentMetrics metrics)
{
    /// <summary>Handles one connection.</summary>
    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        Caller caller;
        if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is { AddressFamily: System.Net.Sockets.AddressFamily.Unix } socket)
        {
            caller = new Caller { Peer = PeerCredentials.Read(socket) };
            if (policy.Check(caller.Peer!) is { } denied)
            {
                logger.LogWarning("Refused a connection: {Reason}", denied);
                metrics.ConnectionRefused("forbidden", caller);
                await RefuseAsync(connection, 403, "Forbidden", denied);
                return;
            }
        }
        else
        {
            caller = new Caller { Remote = connection.RemoteEndPoint as IPEndPoint };
        }
        if (limits.TryOpenConnection(caller) is { } tooMany)
        {
            logger.LogWarning("Refused a connection of {Caller}: {Reason}", caller, tooMany);
            metrics.ConnectionRefused("too_many", caller);
            await RefuseAsync(connection, 429, "Too Many Requests", tooMany);
            return;
        }
        try
        {
            connection.Features.Set(caller);
            await next(connection);
        }
        finally
        {
            limits.CloseConnection(caller);
        }
    }

    private static bool EndsRequestHead(System.Buffers.ReadOnlySequence<byte> buffer)
    {
        Span<byte> tail = stackalloc byte[4];
        if (buffer.Length < 4)
        {
            return false;
        }
        buffer.Slice(buffer.Length - 4).CopyTo(tail);
        return tail.SequenceEqual("\r\n\r\n"u8);
    }

    private static async Task RefuseAsync(ConnectionContext connection, int status, string phrase, string reason)
    {
        var body = Encoding.UTF8.GetBytes(reason + "\n");
        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {phrase}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
        try
        {
            // Read (and drop) the client's request first, briefly: closing with unread input would reset the connection
            // before the client read the answer. An idle connection is answered after a second.
            using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            var input = connection.Transport.Input;
            try
            {
                while (true)
                {
                    var read = await input.ReadAsync(drain.Token);
                    var endOfHeaders = read.Buffer.PositionOf((byte)'\n') is not null && EndsRequestHead(read.Buffer);
                    input.AdvanceTo(read.Buffer.End);
                    if (endOfHeaders || read.IsCompleted || read.IsCanceled)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            await connection.Transport.Output.WriteAsync(head);
            await connection.Transport.Output.WriteAsync(body);
            await connection.Transport.Output.CompleteAsync();
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException or InvalidOperationException)
        {
        }
    }
}
