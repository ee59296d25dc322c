using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Gadget.CommandLine;

/// <summary>
/// The path of a Unix socket a tool listens on or connects to (<c>--socket PATH</c>): a value that cannot be one is refused
/// when the command line is parsed (<see cref="Refuse"/>, exit 2), and a path where the tool cannot listen is one line
/// naming the path and what to do (<see cref="Listen"/>, exit 1), never the socket's raw exception.
/// </summary>
public static class UnixSocketPath
{
    /// <summary>The longest path of a Unix socket, in bytes: <c>sockaddr_un</c> holds 108, its terminating NUL included.</summary>
    public const int MaxBytes = 107;

    /// <summary>Why <paramref name="path"/> cannot be a Unix socket's path (empty, a NUL in it, longer than
    /// <see cref="MaxBytes"/>), as a parse error of <paramref name="option"/>; null when it can.</summary>
    public static string? Refuse(string option, string path)
    {
        ArgumentNullException.ThrowIfNull(option);
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            return $"{option} is the path of a Unix socket, not an empty string.";
        }
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            return $"{option} is the path of a Unix socket, not '{DisplayText.Escape(path)}' (a NUL character).";
        }
        var bytes = Encoding.UTF8.GetByteCount(path);
        return bytes > MaxBytes
            ? $"{option} '{DisplayText.Escape(path)}' is {bytes} bytes long, and a Unix socket's path is at most {MaxBytes}: give a shorter path."
            : null;
    }

    /// <summary>
    /// Listens on <paramref name="path"/> with permission bits <paramref name="mode"/>: a socket file already there that no
    /// process listens on (left by a tool that was killed) is replaced; a live one (another tool's), or anything else there,
    /// is left alone and refused.
    /// </summary>
    /// <param name="option">The option that gave the path, as messages name it.</param>
    /// <param name="path">The socket's path (checked by <see cref="Refuse"/>).</param>
    /// <param name="mode">The socket file's permission bits, set before it listens.</param>
    /// <param name="backlog">Connections the kernel queues before they are accepted.</param>
    /// <exception cref="CommandLineException">(exit 1) Another process listens there, the path is a directory or a file that is not a socket, its directory
    /// does not exist or is not one, this user may not create a file there, or the kernel refused the socket: the message
    /// names the path and what to do.</exception>
    public static Socket Listen(string option, string path, UnixFileMode mode, int backlog)
    {
        ArgumentNullException.ThrowIfNull(option);
        ArgumentNullException.ThrowIfNull(path);
        if (Refuse(option, path) is { } refused)
        {
            throw new CommandLineException(refused);
        }
        var shown = DisplayText.Escape(path);
        switch (TypeOf(path))
        {
            case null:
                break;
            case Libc.S_IFSOCK:
                RefuseLive(option, path);
                try
                {
                    File.Delete(path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw Failure(option, path, e);
                }
                break;
            case Libc.S_IFDIR:
                throw new CommandLineException($"{option} {shown} is a directory: give the path of the socket to make in it (e.g. {DisplayText.Escape(Path.Combine(path, "traceloop.sock"))}).", CliHost.Failure);
            default:
                throw new CommandLineException($"{option} {shown} exists and is not a socket: not replacing it; remove it, or give another path.", CliHost.Failure);
        }
        // Bound under a name of its own in the same directory, then renamed to the path: .NET deletes the file of the name a
        // socket was bound to when the socket is disposed, and by then the path may be another process's socket (one made
        // there after this one's was removed). The temporary name is what it deletes; Delete removes the path, if still ours.
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        var temporary = Path.Combine(directory, $".gadget-{Environment.ProcessId:x}-{Random.Shared.Next():x8}");
        var bindPath = Encoding.UTF8.GetByteCount(temporary) <= MaxBytes ? temporary : path; // a path near the limit: bound as is
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var bound = false;
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(bindPath));
            bound = true;
            File.SetUnixFileMode(bindPath, mode);
            socket.Listen(backlog);
            if (bindPath != path)
            {
                File.Move(bindPath, path); // not over a file made there meanwhile (IOException)
            }
            return socket;
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            socket.Dispose();
            if (bound)
            {
                File.Delete(bindPath);
            }
            throw Failure(option, path, e);
        }
    }

    /// <summary>The identity of the file at <paramref name="path"/> now, for <see cref="Delete"/>: its inode and the time
    /// the inode last changed (a file system such as ext4 gives a new file the inode number of one just deleted); default
    /// when there is none.</summary>
    public static (ulong Inode, long Changed) FileIdOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Libc.Statx(path, Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_BASIC_STATS, out var status) == 0
            ? (status.Inode, (status.ChangedSeconds * 1_000_000_000) + status.ChangedNanoseconds)
            : default;
    }

    /// <summary>
    /// Deletes the socket file at <paramref name="path"/> when it is still the one <paramref name="fileId"/> identifies (the
    /// listener's, <see cref="FileIdOf"/> after <see cref="Listen"/>): a file made there since by another process (once this
    /// one's was removed by hand) is left to it.
    /// </summary>
    public static void Delete(string path, (ulong Inode, long Changed) fileId)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (fileId != default && FileIdOf(path) == fileId)
        {
            File.Delete(path);
        }
    }

    /// <summary>A socket that accepts connections is another process's (a second watch on the same path used to replace the
    /// first one's socket, which then deleted the second one's when it exited): refused. Only a refused connection says no
    /// process listens.</summary>
    private static void RefuseLive(string option, string path)
    {
        var shown = DisplayText.Escape(path);
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            probe.ConnectAsync(new UnixDomainSocketEndPoint(path), timeout.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return; // a socket file without a listener
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            throw new CommandLineException($"{option} {shown}: cannot tell whether another process listens on it ({OneLine(e.Message)}): not replacing it; give another path.", CliHost.Failure);
        }
        var peer = PeerCredentials.Read(probe);
        throw new CommandLineException($"{option} {shown}: another process (pid {peer.Pid}) listens on it: stop it, or give another path.", CliHost.Failure);
    }

    /// <summary>The file type bits of what is at <paramref name="path"/> (not following a final link); null: nothing, or it
    /// cannot be looked at (binding there then says why).</summary>
    private static ushort? TypeOf(string path) =>
        Libc.Statx(path, Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_BASIC_STATS, out var status) == 0 ? (ushort)(status.Mode & Libc.S_IFMT) : null;

    /// <summary>Why this process could not listen on <paramref name="path"/>: what is wrong with its directory, or the error.</summary>
    private static CommandLineException Failure(string option, string path, Exception cause)
    {
        var shown = DisplayText.Escape(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        var shownDirectory = DisplayText.Escape(directory);
        var directoryErrno = Libc.Statx(directory, 0, Libc.STATX_BASIC_STATS, out var status);
        var denied = cause is UnauthorizedAccessException or SocketException { SocketErrorCode: SocketError.AccessDenied }
            || directoryErrno == LinuxErrno.EACCES;
        var message = (directoryErrno, denied) switch
        {
            (LinuxErrno.ENOENT, _) => $"the directory {shownDirectory} does not exist: create it, or give a path in an existing directory",
            (LinuxErrno.ENOTDIR, _) => $"{shownDirectory} is not a directory (a part of the path is a file): give a path in a directory",
            (0, _) when (status.Mode & Libc.S_IFMT) != Libc.S_IFDIR => $"{shownDirectory} is not a directory: give a path in a directory",
            (_, true) when Libc.geteuid() == 0 => $"root may not make a file in {shownDirectory} (permission denied): give a path in another directory, such as /run or /tmp",
            (_, true) => $"this user (uid {Libc.geteuid()}) may not make a file in {shownDirectory} (permission denied): give a path in a directory it may write, or run as root",
            // ENOENT although the directory is there: one that takes no new files (/proc).
            _ when cause is SocketException { SocketErrorCode: SocketError.AddressNotAvailable } => $"no file can be made in {shownDirectory}: give a path in another directory, such as /run or /tmp",
            _ when cause is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } => "something made a file there meanwhile: give another path, or try again",
            _ => $"cannot listen there ({OneLine(cause.Message)})",
        };
        return new CommandLineException($"{option} {shown}: {message}.", CliHost.Failure);
    }

    private static string OneLine(string message) => DisplayText.Escape(message.ReplaceLineEndings(" ").Trim().TrimEnd('.'));
}
