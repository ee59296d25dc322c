using System.Net;
using System.Net.Sockets;
using Gadget.Agent.Interop;
using Gadget.CommandLine;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Gadget.Agent;

/// <summary>
/// The agent's Unix socket: one agent per path (a second one refuses to start while the first answers; a stale socket
/// file nobody listens on is replaced), bound with a restrictive umask and given its final mode and group before Kestrel
/// listens (nobody can connect to a socket that does not listen yet, so there is no window where it is more open), and
/// removed when the agent stops. Its lock file goes with it: unlinked while still locked, so a starter that opened the
/// old file before the unlink finds, once it holds the lock, that the path names another file (or none) and starts over.
/// </summary>
internal sealed class AgentSocket : IDisposable
{
    private readonly FileStream _lock;
    private readonly AccessPolicy _policy;
    private ulong _inode;

    private AgentSocket(string path, FileStream lockFile, AccessPolicy policy)
    {
        Path = path;
        _lock = lockFile;
        _policy = policy;
    }

    /// <summary>The socket's path.</summary>
    public string Path { get; }

    /// <summary>
    /// Claims <paramref name="path"/>: fails when an agent answers there or another one holds its lock file
    /// (<c>PATH.lock</c>), removes a stale socket file, refuses to replace anything that is not a socket.
    /// </summary>
    /// <exception cref="AgentStartException">The path is taken.</exception>
    public static AgentSocket Claim(string path, AccessPolicy policy)
    {
        path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var stale = CheckExisting(path);
        var lockFile = LockFile(path);
        // Root's alone: whoever can open the lock file can flock it and keep agents from starting.
        if (Libc.chmod(lockFile.Name, 0x180) != 0) // 0600
        {
            lockFile.Dispose();
            throw new AgentStartException($"chmod {lockFile.Name}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(System.Runtime.InteropServices.Marshal.GetLastPInvokeError())}");
        }
        if (stale)
        {
            File.Delete(path);
        }
        return new AgentSocket(path, lockFile, policy);
    }

    /// <summary>Kestrel's <see cref="SocketTransportOptions.CreateBoundListenSocket"/>: binds this path restrictively, other endpoints as usual.</summary>
    public Socket CreateBoundListenSocket(EndPoint endpoint)
    {
        if (endpoint is not UnixDomainSocketEndPoint unix || unix.ToString() != Path)
        {
            return SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
        }
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            // Born 0600 whatever the process umask (umask is process-wide: restored right after bind).
            var previous = Libc.umask(0x7F); // 0177
            try
            {
                socket.Bind(endpoint);
            }
            finally
            {
                Libc.umask(previous);
            }
            if (_policy.Group is { } group && Libc.chown(Path, uint.MaxValue, group) != 0)
            {
                throw new IOException($"chown {Path} to group {group}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(System.Runtime.InteropServices.Marshal.GetLastPInvokeError())}");
            }
            if (Libc.chmod(Path, (uint)_policy.SocketMode) != 0)
            {
                throw new IOException($"chmod {Path}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(System.Runtime.InteropServices.Marshal.GetLastPInvokeError())}");
            }
            _inode = FileStatus.Of(Path)?.Inode ?? 0;
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Removes the socket file (if it is still the one this agent bound) and releases the lock.</summary>
    public void Dispose()
    {
        try
        {
            if (_inode != 0 && FileStatus.Of(Path) is { IsSocket: true } status && status.Inode == _inode)
            {
                File.Delete(Path);
            }
        }
        catch (IOException)
        {
        }
        try
        {
            // Still locked here: a second agent cannot hold this file yet, and one that locks it after us sees it unlinked.
            if (Libc.Statx(_lock.SafeFileHandle, Libc.STATX_INO, out var held) == 0 && FileStatus.Of(_lock.Name)?.Inode == held.Inode)
            {
                File.Delete(_lock.Name);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        _lock.Dispose();
    }

    /// <summary>
    /// Opens and locks <c>PATH.lock</c>; starts over when, once locked, the file at that path is no longer the one locked
    /// (an agent stopping unlinked it between our open and our flock): the lock guards the path, not an unlinked inode.
    /// </summary>
    private static FileStream LockFile(string path)
    {
        var lockPath = path + ".lock";
        for (var attempt = 0; ; attempt++)
        {
            FileStream lockFile;
            try
            {
                // FileShare.None: .NET takes flock(LOCK_EX|LOCK_NB) on the file; the kernel drops it when the process dies.
                lockFile = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e)
            {
                throw new AgentStartException($"another gadget-agent is starting or running on {path} (it holds {lockPath}); not starting a second one", e);
            }
            try
            {
                var errno = Libc.Statx(lockFile.SafeFileHandle, Libc.STATX_INO, out var locked);
                if (errno != 0)
                {
                    throw new AgentStartException($"statx {lockPath}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}");
                }
                if (FileStatus.Of(lockPath)?.Inode == locked.Inode)
                {
                    return lockFile;
                }
            }
            catch
            {
                lockFile.Dispose();
                throw;
            }
            lockFile.Dispose();
            if (attempt == 100)
            {
                throw new AgentStartException($"{lockPath} keeps being replaced while this agent locks it; not starting");
            }
        }
    }

    /// <summary>True when a stale socket is there (nobody listens); throws when an agent answers or the path is not a socket.</summary>
    private static bool CheckExisting(string path)
    {
        if (FileStatus.Of(path) is not { } status)
        {
            return false;
        }
        if (!status.IsSocket)
        {
            throw new AgentStartException($"{path} exists and is not a socket: not replacing it");
        }
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            probe.ConnectAsync(new UnixDomainSocketEndPoint(path), timeout.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException e)
        {
            throw new AgentStartException($"something listens on {path} but accepts no connection (a flooded agent?): not replacing it", e);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return true; // a socket file without a listener: left by an agent that was killed
        }
        catch (SocketException e)
        {
            throw new AgentStartException($"cannot tell whether an agent answers on {path} ({e.Message}): not replacing it", e);
        }
        var pid = PeerCredentials.Read(probe).Pid;
        throw new AgentStartException($"another gadget-agent (pid {pid}) answers on {path}; not starting a second one (stop it first, or give another --socket)");
    }
}
