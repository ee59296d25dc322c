using System.Globalization;
using Gadget.CommandLine;

namespace Gadget.Agent;

/// <summary>
/// Who may use the Unix socket: root, the members of one group (<c>--socket-group</c>), and listed uids
/// (<c>--allow-uid</c>). It decides the socket file's mode (0600, 0660 with a group, 0666 with listed uids, where the
/// peer check is what keeps others out) and checks each connection's peer credentials.
/// </summary>
public sealed class AccessPolicy
{
    /// <summary>Creates the policy.</summary>
    /// <param name="group">The group whose members may connect, or null.</param>
    /// <param name="groupName">The group's name (for messages).</param>
    /// <param name="allowedUids">Other uids that may connect.</param>
    public AccessPolicy(uint? group, string? groupName, IReadOnlyCollection<uint> allowedUids)
    {
        Group = group;
        GroupName = groupName;
        AllowedUids = allowedUids.ToHashSet();
    }

    /// <summary>The group whose members may connect.</summary>
    public uint? Group { get; }

    /// <summary>The group's name.</summary>
    public string? GroupName { get; }

    /// <summary>Uids that may connect besides root.</summary>
    public IReadOnlySet<uint> AllowedUids { get; }

    /// <summary>The socket file's permission bits.</summary>
    public UnixFileMode SocketMode => AllowedUids.Count > 0
        ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite
        : Group is not null
            ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite
            : UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The policy of the options: resolves <c>--socket-group</c> (a number, or a name in /etc/group).</summary>
    /// <exception cref="AgentUsageException">The group does not exist.</exception>
    public static AccessPolicy From(AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.SocketGroup is not { } group)
        {
            return new AccessPolicy(null, null, options.AllowedUids);
        }
        if (uint.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
        {
            return new AccessPolicy(gid, group, options.AllowedUids);
        }
        // /etc/group only (no NSS): name:password:gid:members
        foreach (var line in File.Exists("/etc/group") ? File.ReadLines("/etc/group") : [])
        {
            var fields = line.Split(':');
            if (fields.Length >= 3 && fields[0] == group && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out gid))
            {
                return new AccessPolicy(gid, group, options.AllowedUids);
            }
        }
        throw new AgentUsageException($"--socket-group {group}: no such group in /etc/group (give its number instead)");
    }

    /// <summary>Null when <paramref name="peer"/> may use the agent; otherwise why not.</summary>
    public string? Check(PeerCredentials peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (peer.Uid == 0 || AllowedUids.Contains(peer.Uid))
        {
            return null;
        }
        if (Group is { } group && (peer.Gid == group || peer.Groups.Contains(group)))
        {
            return null;
        }
        var allowed = "root";
        if (Group is not null)
        {
            allowed += $", members of group {GroupName} ({Group})";
        }
        if (AllowedUids.Count > 0)
        {
            allowed += ", uid " + string.Join(", ", AllowedUids.Order());
        }
        return $"uid {peer.Uid} (pid {peer.Pid}) may not use this agent: it answers {allowed}";
    }
}
