using System.Globalization;

namespace Gadget.CommandLine;

/// <summary>
/// Whether the process at the other end of a Unix socket is believed as a tracer (a <c>traceloop watch</c>, a node agent):
/// root, this process's own user, or a process that may load BPF programs. In a directory others may write (/tmp), a
/// socket may be a local user's, listening to forge what a tool prints (a history, events, terminal commands).
/// </summary>
public static class PeerTrust
{
    /// <summary>This process's effective user id.</summary>
    public static uint EffectiveUserId() => Libc.geteuid();

    /// <summary>Whether <paramref name="peer"/> is root, this user, or holds CAP_BPF (<see cref="MayRecord"/>).</summary>
    public static bool IsTrusted(PeerCredentials peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return peer.Uid == 0 || peer.Uid == EffectiveUserId() || MayRecord(peer.Pid);
    }

    /// <summary>
    /// Whether process <paramref name="pid"/> holds CAP_BPF (or CAP_SYS_ADMIN, which older kernels ask instead) in its effective
    /// set, in this process's user namespace: what a tracer run by another user than root needs (README, Running without
    /// root), and what a local user who listens on a socket in /tmp to forge output has not. The capabilities any user
    /// gets in a user namespace of their own (<c>unshare -Ur</c>) load no BPF program: such a process is not believed.
    /// False when the process is gone or cannot be inspected.
    /// </summary>
    public static bool MayRecord(int pid)
    {
        const int CapSysAdmin = 21, CapBpf = 39;
        try
        {
            var process = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}";
            if (pid <= 0 || new FileInfo(process + "/ns/user").LinkTarget is not { } theirs || theirs != new FileInfo("/proc/self/ns/user").LinkTarget)
            {
                return false;
            }
            // "CapEff:	000001ffffffffff"
            var line = File.ReadLines(process + "/status").FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
            return line is not null && ulong.TryParse(line.AsSpan(7).Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var effective)
                && (effective & ((1UL << CapBpf) | (1UL << CapSysAdmin))) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
