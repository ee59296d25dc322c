using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Gadget.CommandLine;

namespace Gadget.Client;

/// <summary>
/// What is wrong with an <c>--agent</c> address, said on one line: a value that cannot be an agent's address (exit 2,
/// <see cref="Problem"/>), or an address where no agent is (exit 1, <see cref="CheckUnixSocket"/> before connecting,
/// <see cref="Unreachable"/> after): missing, a directory, not a socket, nobody listening, not allowed.
/// </summary>
internal static class AgentAddress
{
    private const string Unix = "unix:";
    private const string WhatToDo = "Start gadget-agent (as root), or pass --agent unix:PATH|https://IP:PORT (or --kubeconfig FILE for a cluster's agents).";

    /// <summary>Why <paramref name="value"/> is not an agent address, as the end of "--agent ..."; null when it is one.</summary>
    public static string? Problem(string value)
    {
        var shown = DisplayText.Escape(value);
        if (value.StartsWith(Unix, StringComparison.Ordinal))
        {
            var path = value[Unix.Length..];
            if (path.Length == 0)
            {
                return "unix:PATH needs the agent socket's path after 'unix:' (e.g. unix:/run/gadget/agent.sock).";
            }
            if (path.Contains('\0', StringComparison.Ordinal))
            {
                return $"unix:PATH is a file's path, not '{shown}'.";
            }
            try
            {
                _ = new UnixDomainSocketEndPoint(path);
            }
            catch (ArgumentException)
            {
                return $"unix:PATH: a Unix socket's path is at most 107 bytes, '{DisplayText.Escape(path)}' has {System.Text.Encoding.UTF8.GetByteCount(path)}.";
            }
            return null;
        }
        // (http:// is let through: the agent refuses to serve it, and saying so is the agent's part.)
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || uri.Host.Length == 0)
        {
            return $"is unix:PATH or https://IP:PORT, not '{shown}'.";
        }
        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            return $"is https://IP:PORT (a token goes in --token-file), not '{shown}'.";
        }
        if (uri.Port == 0)
        {
            return $"https://IP:PORT: port 0 is no port to connect to, in '{shown}'.";
        }
        if (IPAddress.TryParse(uri.DnsSafeHost, out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)))
        {
            return $"https://IP:PORT: {address} is an address to listen on, not to connect to, in '{shown}'.";
        }
        return null;
    }

    /// <summary>Throws (exit 1) when <paramref name="agent"/> is <c>unix:PATH</c> and PATH is no socket to connect to.</summary>
    /// <exception cref="CommandLineException">PATH is missing, a directory, not a socket, or cannot be looked at.</exception>
    public static void CheckUnixSocket(string agent)
    {
        if (!agent.StartsWith(Unix, StringComparison.Ordinal))
        {
            return;
        }
        var path = DisplayText.Escape(agent[Unix.Length..]);
        var errno = Libc.Statx(agent[Unix.Length..], 0, Libc.STATX_BASIC_STATS, out var status); // connect follows links too
        var reason = errno switch
        {
            0 => (status.Mode & Libc.S_IFMT) switch
            {
                Libc.S_IFSOCK => null,
                Libc.S_IFDIR => $"{path} is a directory, not a socket",
                Libc.S_IFREG => $"{path} is a regular file, not a socket",
                _ => $"{path} is not a socket",
            },
            LinuxErrno.ENOENT => $"{path} does not exist",
            LinuxErrno.ENOTDIR => $"{path}: a part of the path is not a directory",
            LinuxErrno.EACCES => throw new CommandLineException($"cannot reach the agent at {DisplayText.Escape(agent)}: {path}: permission denied (a directory on the way is closed to this user).", CliHost.Failure),
            _ => $"{path}: {Marshal.GetPInvokeErrorMessage(errno)}",
        };
        if (reason is not null)
        {
            throw new CommandLineException($"no agent at {DisplayText.Escape(agent)}: {reason}. {WhatToDo}", CliHost.Failure);
        }
    }

    /// <summary>The one-line reason a request to <paramref name="agent"/> got no answer.</summary>
    public static string Unreachable(string agent, HttpRequestException exception)
    {
        var shown = DisplayText.Escape(agent);
        if (!agent.StartsWith(Unix, StringComparison.Ordinal))
        {
            return $"cannot reach the agent at {shown}: {DisplayText.Escape(exception.Message.ReplaceLineEndings(" "))}";
        }
        // The socket's own words: the HTTP exception adds "(localhost:80)", the made-up host of HTTP over a Unix socket.
        var path = DisplayText.Escape(agent[Unix.Length..]);
        return exception.InnerException switch
        {
            SocketException { SocketErrorCode: SocketError.ConnectionRefused } =>
                $"no agent at {shown}: nothing listens on {path} (connection refused: a socket left by an agent that was killed, or not a socket). {WhatToDo}",
            SocketException { SocketErrorCode: SocketError.AccessDenied } =>
                $"cannot reach the agent at {shown}: permission denied (the agent's socket is root's, or its --socket-group's: run as root or as a member).",
            SocketException { SocketErrorCode: SocketError.AddressNotAvailable } =>
                $"no agent at {shown}: {path} does not exist. {WhatToDo}",
            UntrustedAgentException untrusted => $"not the agent at {shown}: {untrusted.Message}; give the --agent of a real one.",
            SocketException socket => $"cannot reach the agent at {shown}: {DisplayText.Escape(socket.Message.ReplaceLineEndings(" "))}",
            _ => $"cannot reach the agent at {shown}: {DisplayText.Escape(exception.Message.ReplaceLineEndings(" "))}",
        };
    }
}
