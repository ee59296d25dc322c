using System.Runtime.InteropServices;
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

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint umask(uint mask);
}
