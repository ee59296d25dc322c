using System.Net.Sockets;
using System.Text;

namespace Gadget.Cli.Tests;

/// <summary>
/// <c>traceloop dump CONTAINER</c> asks a running <c>traceloop watch</c> on its Unix socket. The watch said <c>ready:</c> before
/// it listened: a dump asked for at once found no socket.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class TraceloopDumpRequestTests
{
    [Fact]
    public async Task TheWatchListensOnceItSaysItIsReady()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"gadget-dump-watch-{Guid.NewGuid():N}.sock");
        using var watch = new RunningTool(Tool.Traceloop, "watch", "--all", "--socket", socket);
        await watch.WaitReadyAsync();

        // No container has that name: the lookup's own answer.
        Assert.StartsWith("error: No recorded container matches 'a'", await AskAsync(socket, "text a\n"), StringComparison.Ordinal);
        await watch.InterruptExpectingSuccessAsync();
        Assert.False(File.Exists(socket), $"{socket} is left behind");
    }

    /// <summary>Sends <paramref name="request"/> as the client does (then the end of its writing); returns the whole answer.</summary>
    private static async Task<string> AskAsync(string socketPath, string request)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        using var stream = new NetworkStream(socket);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request));
        socket.Shutdown(SocketShutdown.Send);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync().WaitAsync(Tool.HangGuard);
    }
}
