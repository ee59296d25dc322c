using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gadget.Containers.Tests;

/// <summary>What a client of the OCI hook socket can do to the server: who can connect, and what a request that never ends costs.</summary>
public sealed partial class OciHookServerHostileInputTests : IDisposable
{
    private readonly string _socket = Path.Combine(Path.GetTempPath(), $"gadget-hook-{Guid.NewGuid():N}", "hook.sock");
    private readonly ContainerRegistry _registry = new(new object(), NullLogger.Instance);

    public void Dispose()
    {
        _registry.Dispose();
        try
        {
            Directory.Delete(Path.GetDirectoryName(_socket)!, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [Fact]
    public void TheSocketIsRootsAloneWhateverTheUmask()
    {
        // A client of the socket adds containers and reports them stopped (poststop): only root may connect (write permission).
        var previous = umask(0);
        OciHookServer server;
        try
        {
            server = new OciHookServer(_socket, _registry, (_, _) => { }, NullLogger.Instance);
        }
        finally
        {
            umask(previous);
        }
        using (server)
        {
            var mode = File.GetUnixFileMode(_socket);
            Assert.Equal(UnixFileMode.None, mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead));
        }
    }

    [Fact]
    public async Task ALineThatNeverEndsIsCutOffNotBuffered()
    {
        using var server = new OciHookServer(_socket, _registry, (_, _) => { }, NullLogger.Instance);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(_socket));
        var chunk = Encoding.ASCII.GetBytes(new string(' ', 1 << 20)); // whitespace: valid JSON so far, and no line end
        var answer = new byte[256];
        var answered = client.ReceiveAsync(answer, SocketFlags.None);
        long sent = 0;
        try
        {
            while (sent < 256L << 20 && !answered.IsCompleted)
            {
                using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                sent += await client.SendAsync(chunk, SocketFlags.None, cancel.Token);
            }
        }
        catch (SocketException)
        {
            // The server closed the connection on us: what is wanted.
        }
        catch (OperationCanceledException)
        {
            // The server stopped reading: what is wanted.
        }
        Assert.True(sent < 64L << 20, $"the server read {sent >> 20} MiB of one request without a line end");
        var read = await answered.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.StartsWith("error: ", Encoding.UTF8.GetString(answer, 0, read), StringComparison.Ordinal);
    }

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint umask(uint mask);
}
