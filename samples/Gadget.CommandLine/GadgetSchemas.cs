using System.Net;
using Gadget.Gadgets;

namespace Gadget.CommandLine;

/// <summary>
/// The fields of every gadget's events, one list for the gadgets CLI (columns, JSON, YAML), the agent's streams and the
/// client: the JSON they write is described by schemas/gadget-event.schema.json.
/// </summary>
public static class GadgetSchemas
{
    /// <summary>execsnoop's events.</summary>
    public static EventSchema<ExecEvent> ExecSnoop { get; } = new("execsnoop", e => EventTime.FromWall(e.Timestamp), e => e.Container,
    [
        new("pid", "PID", 7, "process id (thread group id) of the process that exec'd", e => e.Pid),
        new("tid", "TID", 7, "thread id that called exec", e => e.Tid) { Default = false },
        new("ppid", "PPID", 7, "the parent's process id", e => e.ParentPid),
        new("uid", "UID", 6, "user id", e => e.Uid) { Default = false },
        new("gid", "GID", 6, "group id", e => e.Gid) { Default = false },
        new("comm", "COMM", -16, "task name after the call: the new program's on success, the caller's on failure", e => e.Comm),
        new("pcomm", "PCOMM", -16, "the parent process's task name", e => e.ParentComm),
        new("ret", "RET", 4, "the syscall's result: 0, or -errno", e => e.ReturnValue),
        new("args", "ARGS", 0, "argv (in JSON: an array of strings)", e => e.Arguments),
        new("truncated", "TRUNCATED", 0, "whether argv had more arguments than reported, or one was cut", e => e.ArgumentsTruncated) { Default = false },
    ]);

    /// <summary>opensnoop's events.</summary>
    public static EventSchema<OpenEvent> OpenSnoop { get; } = new("opensnoop", e => EventTime.FromWall(e.Timestamp), e => e.Container,
    [
        new("pid", "PID", 7, "process id", e => e.Pid),
        new("tid", "TID", 7, "thread id", e => e.Tid) { Default = false },
        new("ppid", "PPID", 7, "the parent's process id", e => e.ParentPid) { Default = false },
        new("uid", "UID", 6, "user id", e => e.Uid) { Default = false },
        new("gid", "GID", 6, "group id", e => e.Gid) { Default = false },
        new("comm", "COMM", -16, "task name", e => e.Comm),
        new("pcomm", "PCOMM", -16, "the parent process's task name", e => e.ParentComm) { Default = false },
        new("fd", "FD", 4, "the descriptor returned, -1 on failure", e => e.FileDescriptor),
        new("err", "ERR", 3, "errno of a failed open, 0 on success", e => e.Error),
        new("flags", "FLAGS", -8, "open flags, octal", e => "0" + Convert.ToString(e.Flags, 8)),
        new("mode", "MODE", -6, "mode for a created file, octal", e => "0" + Convert.ToString(e.Mode, 8)) { Default = false },
        new("path", "PATH", 0, "the path as passed to open", e => e.Path),
    ]);

    /// <summary>sigsnoop's events.</summary>
    public static EventSchema<SignalEvent> SigSnoop { get; } = new("sigsnoop", e => EventTime.FromWall(e.Timestamp), e => e.Container,
    [
        Fields.Number<SignalEvent>("pid", "PID", 7, "the sender's process id", e => e.SenderPid),
        Fields.Number<SignalEvent>("tid", "TID", 7, "the sender's thread id", e => e.SenderTid) with { Default = false },
        Fields.Number<SignalEvent>("ppid", "PPID", 7, "the sender's parent's process id", e => e.SenderParentPid) with { Default = false },
        Fields.Number<SignalEvent>("uid", "UID", 6, "the sender's user id", e => e.SenderUid) with { Default = false },
        Fields.Number<SignalEvent>("gid", "GID", 6, "the sender's group id", e => e.SenderGid) with { Default = false },
        new("comm", "COMM", -16, "the sender's task name", e => e.SenderComm),
        new("pcomm", "PCOMM", -16, "the sender's parent process's task name", e => e.SenderParentComm) { Default = false },
        new("sig", "SIG", -9, "the signal's name", e => e.SignalName),
        Fields.Number<SignalEvent>("tpid", "TPID", 7, "the target's process id", e => e.TargetPid),
        new("tcomm", "TCOMM", -16, "the target's task name", e => e.TargetComm),
        new("result", "RESULT", 0, "what the kernel did with it", e => e.Result.ToString()),
    ]);

    /// <summary>oomkill's events.</summary>
    public static EventSchema<OomKillEvent> OomKill { get; } = new("oomkill", e => EventTime.FromWall(e.Timestamp), e => e.Container,
    [
        new("kpid", "KPID", 7, "the killed process's id", e => e.VictimPid),
        new("kcomm", "KCOMM", -16, "the killed process's task name", e => e.VictimComm),
        new("pages", "PAGES", 8, "its total virtual memory, in pages", e => e.TotalVmPages),
        new("anonRss", "ANON_RSS", 8, "its anonymous resident pages", e => e.AnonRssPages),
        new("pid", "PID", 7, "the process whose allocation triggered the kill", e => e.TriggerPid),
        new("tid", "TID", 7, "its thread id", e => e.TriggerTid) { Default = false },
        new("ppid", "PPID", 7, "its parent's process id", e => e.TriggerParentPid) { Default = false },
        new("uid", "UID", 6, "its user id", e => e.TriggerUid) { Default = false },
        new("gid", "GID", 6, "its group id", e => e.TriggerGid) { Default = false },
        new("comm", "COMM", -16, "its task name", e => e.TriggerComm),
        new("pcomm", "PCOMM", -16, "its parent process's task name", e => e.TriggerParentComm) { Default = false },
        new("memcg", "MEMCG", 0, "the memory cgroup that ran out", e => e.MemoryCgroup),
    ]);

    /// <summary>exitsnoop's events.</summary>
    public static EventSchema<ExitEvent> ExitSnoop { get; } = new("exitsnoop", e => EventTime.FromWall(e.Timestamp), e => e.Container,
    [
        Fields.Number<ExitEvent>("pid", "PID", 7, "process id of the process that exited", e => e.Pid),
        Fields.Number<ExitEvent>("tid", "TID", 7, "thread id of the exiting task (the pid for a process's exit)", e => e.Tid) with { Default = false },
        Fields.Number<ExitEvent>("ppid", "PPID", 7, "the parent's process id", e => e.ParentPid),
        Fields.Number<ExitEvent>("uid", "UID", 6, "user id", e => e.Uid) with { Default = false },
        Fields.Number<ExitEvent>("gid", "GID", 6, "group id", e => e.Gid) with { Default = false },
        new("comm", "COMM", -16, "task name", e => e.Comm),
        new("pcomm", "PCOMM", -16, "the parent process's task name", e => e.ParentComm) { Default = false },
        Fields.Number<ExitEvent>("code", "CODE", 4, "the exit code (0-255), 0 when a signal killed it", e => e.ExitCode ?? 0),
        new("sig", "SIG", -9, "the signal that killed it (SIGKILL...), empty when it exited by itself", e => e.SignalName ?? string.Empty),
        new("core", "CORE", -5, "whether a core was dumped", e => e.CoreDumped),
        Fields.Number<ExitEvent>("status", "STATUS", 6, "the wait status the parent is given ((code << 8) | signal | 0x80 for a core dump)", e => e.ExitStatus) with { Default = false },
        new("age", "AGE(s)", 0, "how long it lived, in seconds", e => Math.Round(e.Lifetime.TotalSeconds, 6)),
    ]);

    /// <summary>bindsnoop's events.</summary>
    public static EventSchema<BindEvent> BindSnoop { get; } = new("bindsnoop", e => EventTime.FromWall(e.Timestamp), e => e.Container,
    [
        new("pid", "PID", 7, "process id", e => e.Pid),
        new("tid", "TID", 7, "thread id", e => e.Tid) { Default = false },
        new("ppid", "PPID", 7, "the parent's process id", e => e.ParentPid) { Default = false },
        new("uid", "UID", 6, "user id", e => e.Uid) { Default = false },
        new("gid", "GID", 6, "group id", e => e.Gid) { Default = false },
        new("comm", "COMM", -16, "task name", e => e.Comm),
        new("pcomm", "PCOMM", -16, "the parent process's task name", e => e.ParentComm) { Default = false },
        new("fd", "FD", 3, "the socket's file descriptor", e => e.FileDescriptor) { Default = false },
        new("proto", "PROTO", -5, "TCP, UDP, or the socket type (RAW, SEQPACKET...) for other protocols", e => ProtocolName(e)),
        new("ip", "IP", 2, "4 or 6 (0: not an IP address)", e => e.IPVersion),
        new("addr", "ADDR", -22, "the address asked for (empty: not an IP address)", e => e.Address?.ToString() ?? string.Empty),
        new("port", "PORT", 5, "the port asked for (0: the kernel chooses)", e => e.Port),
        new("bport", "BPORT", 5, "the socket's local port after the call (the kernel's choice for port 0)", e => e.BoundPort),
        new("error", "ERR", 3, "errno of a failed bind, 0 on success", e => e.Error) { Default = false },
        new("result", "RESULT", 0, "OK, or the error the bind failed with (EADDRINUSE, ...)", e => e.Result),
    ]);

    /// <summary>mountsnoop's events.</summary>
    public static EventSchema<MountEvent> MountSnoop { get; } = new("mountsnoop", e => EventTime.FromWall(e.Timestamp), e => e.Container,
    [
        Fields.Number<MountEvent>("pid", "PID", 7, "process id", e => e.Pid),
        Fields.Number<MountEvent>("tid", "TID", 7, "thread id", e => e.Tid) with { Default = false },
        Fields.Number<MountEvent>("ppid", "PPID", 7, "the parent's process id", e => e.ParentPid) with { Default = false },
        Fields.Number<MountEvent>("uid", "UID", 6, "user id", e => e.Uid) with { Default = false },
        Fields.Number<MountEvent>("gid", "GID", 6, "group id", e => e.Gid) with { Default = false },
        new("comm", "COMM", -16, "task name", e => e.Comm),
        new("pcomm", "PCOMM", -16, "the parent process's task name", e => e.ParentComm) { Default = false },
        new("call", "CALL", -10, "mount, umount2 or move_mount", e => CallName(e.Operation)),
        new("src", "SOURCE", -20, "mount: the source (device, directory, name); move_mount: the path moved from", e => e.Source),
        new("target", "TARGET", -24, "the mount point", e => e.Target),
        new("fs", "FS", -8, "mount: the file system type as passed", e => e.FileSystemType),
        new("flags", "FLAGS", -24, "the flags by name (MS_*, MNT_*, MOVE_MOUNT_*), 0 when none", e => e.FlagNames),
        new("data", "DATA", -16, "mount: the options string", e => e.Data) { Default = false },
        Fields.Number<MountEvent>("error", "ERR", 3, "errno of a failed call, 0 on success", e => e.Error) with { Default = false },
        new("result", "RESULT", 0, "OK, or the error the call failed with (ENODEV, EPERM, ...)", e => e.Result),
    ]);

    /// <summary>The system call a mount event reports, by its name.</summary>
    public static string CallName(MountOperation operation) => operation switch
    {
        MountOperation.Mount => "mount",
        MountOperation.Unmount => "umount2",
        MountOperation.MoveMount => "move_mount",
        _ => operation.ToString(),
    };

    /// <summary><c>snapshot process</c>'s rows: one per process (or thread) running when the snapshot was taken.</summary>
    public static EventSchema<ProcessRow> SnapshotProcess { get; } = new("snapshot-process", r => r.Time, r => r.Process.Container,
    [
        new("pid", "PID", 7, "process id", r => r.Process.Pid),
        new("tid", "TID", 7, "thread id (the pid for a process)", r => r.Process.Tid) { Default = false },
        new("ppid", "PPID", 7, "the parent's process id", r => r.Process.ParentPid),
        new("uid", "UID", 6, "real user id", r => r.Process.Uid),
        new("gid", "GID", 6, "real group id", r => r.Process.Gid) { Default = false },
        new("comm", "COMM", -16, "task name", r => r.Process.Comm),
        new("pcomm", "PCOMM", -16, "the parent process's task name", r => r.Process.ParentComm) { Default = false },
        new("started", "STARTED", 0, "when it started (UTC, ISO 8601)", r => r.Process.StartTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture)),
    ]);

    /// <summary>tcpconnect's events.</summary>
    public static EventSchema<TcpConnectEvent> TcpConnect { get; } = new("tcpconnect", e => EventTime.FromBoot(e.Timestamp), e => e.Container,
    [
        new("pid", "PID", 7, "the connecting process's id", e => e.Pid),
        new("tid", "TID", 7, "its thread id", e => e.Tid) { Default = false },
        new("ppid", "PPID", 7, "its parent's process id", e => e.ParentPid) { Default = false },
        new("uid", "UID", 6, "its user id", e => e.Uid) { Default = false },
        new("gid", "GID", 6, "its group id", e => e.Gid) { Default = false },
        new("comm", "COMM", -16, "its task name", e => e.Comm),
        new("pcomm", "PCOMM", -16, "its parent process's task name", e => e.ParentComm) { Default = false },
        new("ip", "IP", 2, "4 or 6", e => e.IPVersion),
        new("saddr", "SADDR", -22, "source address", e => e.SourceAddress.ToString()),
        new("sport", "SPORT", 5, "source port", e => e.SourcePort),
        new("daddr", "DADDR", -22, "destination address", e => e.DestinationAddress.ToString()),
        new("dport", "DPORT", 5, "destination port", e => e.DestinationPort),
        new("latencyMs", "LAT_MS", 8, "from connect() to the end of the handshake, in ms", e => Math.Round(e.Latency.TotalMilliseconds, 3)),
        new("result", "RESULT", 0, "OK, or the error the connection failed with (ECONNREFUSED, ...)", e => e.Result),
    ]);

    /// <summary>tcpaccept's events.</summary>
    public static EventSchema<TcpAcceptEvent> TcpAccept { get; } = new("tcpaccept", e => EventTime.FromBoot(e.Timestamp), e => e.Container,
    [
        new("pid", "PID", 7, "the accepting process's id", e => e.Pid),
        new("tid", "TID", 7, "its thread id", e => e.Tid) { Default = false },
        new("ppid", "PPID", 7, "its parent's process id", e => e.ParentPid) { Default = false },
        new("uid", "UID", 6, "its user id", e => e.Uid) { Default = false },
        new("gid", "GID", 6, "its group id", e => e.Gid) { Default = false },
        new("comm", "COMM", -16, "its task name", e => e.Comm),
        new("pcomm", "PCOMM", -16, "its parent process's task name", e => e.ParentComm) { Default = false },
        new("ip", "IP", 2, "4 or 6", e => e.IPVersion),
        new("raddr", "RADDR", -22, "remote address", e => e.RemoteAddress.ToString()),
        new("rport", "RPORT", 5, "remote port", e => e.RemotePort),
        new("laddr", "LADDR", -22, "local address", e => e.LocalAddress.ToString()),
        new("lport", "LPORT", 0, "local port", e => e.LocalPort),
    ]);

    /// <summary>tcptop's rows.</summary>
    public static EventSchema<TcpTopRow> TcpTop { get; } = new("tcptop", r => EventTime.FromWall(r.Time), r => r.Traffic.Container,
    [
        new("pid", "PID", 7, "process id", r => r.Traffic.Pid),
        new("tid", "TID", 7, "the thread that first sent or received in the interval", r => r.Traffic.Tid) { Default = false },
        new("ppid", "PPID", 7, "the parent's process id", r => r.Traffic.ParentPid) { Default = false },
        new("uid", "UID", 6, "user id", r => r.Traffic.Uid) { Default = false },
        new("gid", "GID", 6, "group id", r => r.Traffic.Gid) { Default = false },
        new("comm", "COMM", -16, "task name", r => r.Traffic.Comm),
        new("pcomm", "PCOMM", -16, "the parent process's task name", r => r.Traffic.ParentComm) { Default = false },
        new("ip", "IP", 2, "4 or 6", r => r.Traffic.IPVersion),
        new("laddr", "LADDR", -22, "local address:port", r => Endpoint(r.Traffic.LocalAddress, r.Traffic.LocalPort)),
        new("raddr", "RADDR", -22, "remote address:port", r => Endpoint(r.Traffic.RemoteAddress, r.Traffic.RemotePort)),
        new("sent", "SENT", 12, "bytes sent during the interval", r => r.Traffic.BytesSent),
        new("recv", "RECV", 0, "bytes received during the interval", r => r.Traffic.BytesReceived),
    ]);

    /// <summary><c>top file</c>'s rows.</summary>
    public static EventSchema<FileTopRow> TopFile { get; } = new("top-file", r => EventTime.FromWall(r.Time), r => r.File.Container,
    [
        new("pid", "PID", 7, "process id", r => r.File.Pid),
        new("tid", "TID", 7, "the thread that first read or wrote the file in the interval", r => r.File.Tid) { Default = false },
        new("ppid", "PPID", 7, "the parent's process id", r => r.File.ParentPid) { Default = false },
        new("uid", "UID", 6, "user id", r => r.File.Uid) { Default = false },
        new("gid", "GID", 6, "group id", r => r.File.Gid) { Default = false },
        new("comm", "COMM", -16, "task name", r => r.File.Comm),
        new("pcomm", "PCOMM", -16, "the parent process's task name", r => r.File.ParentComm) { Default = false },
        new("reads", "READS", 7, "read calls that returned bytes during the interval", r => r.File.Reads),
        new("writes", "WRITES", 7, "write calls that wrote bytes during the interval", r => r.File.Writes),
        new("rbytes", "RBYTES", 10, "bytes read during the interval", r => r.File.ReadBytes),
        new("wbytes", "WBYTES", 10, "bytes written during the interval", r => r.File.WriteBytes),
        new("t", "T", 1, "the file's type: R regular, S socket, P pipe, O other", r => FileTypeLetter(r.File.Type)),
        new("file", "FILE", -24, "the file's name (socket:[INODE], pipe:[INODE] for those)", r => r.File.Name),
        new("path", "PATH", -40, "the last components of the path, from the root of the file's file system (.../ when cut)", r => r.File.Path) { Default = false },
        new("inode", "INODE", 10, "the file's inode number", r => r.File.Inode) { Default = false },
        new("dev", "DEV", 0, "the device of the file's file system, major:minor", r => $"{r.File.DeviceMajor}:{r.File.DeviceMinor}") { Default = false },
    ]);

    /// <summary><c>profile cpu</c>'s rows: one per distinct stack, the most sampled first.</summary>
    public static EventSchema<CpuProfileRow> ProfileCpu { get; } = new("profile-cpu", r => EventTime.FromWall(r.Time), r => r.Stack.Container,
    [
        new("samples", "SAMPLES", 8, "samples that found this stack", r => r.Stack.Samples),
        new("percent", "PCT", 6, "its share of all the samples, in percent", r => r.Percent),
        new("pid", "PID", 7, "process id", r => r.Stack.Pid),
        new("comm", "COMM", -16, "the sampled thread's name", r => r.Stack.Comm),
        new("function", "FUNCTION", 0, "the innermost frame (the kernel's when in kernel mode)", r => r.Function),
        new("kstack", "KSTACK", 0, "kernel frames, innermost first (in JSON: an array of strings)", r => r.Stack.KernelFrames) { Default = false },
        new("ustack", "USTACK", 0, "user frames, innermost first (in JSON: an array of strings)", r => r.Stack.UserFrames) { Default = false },
        new("folded", "FOLDED", 0, "the stack folded: comm;outermost;...;innermost (kernel frames with _[k])", r => r.Stack.Folded) { Default = false },
    ]);

    /// <summary>A file type as <c>top file</c> prints it: R, S, P or O (as filetop).</summary>
    public static string FileTypeLetter(FileType type) => type switch
    {
        FileType.Regular => "R",
        FileType.Socket => "S",
        FileType.Pipe => "P",
        _ => "O",
    };

    /// <summary>tcpretrans's events.</summary>
    public static EventSchema<TcpRetransEvent> TcpRetrans { get; } = new("tcpretrans", e => EventTime.FromWall(e.Timestamp), e => e.Container,
    [
        new("netns", "NETNS", 11, "inode number of the socket's network namespace", e => e.NetNamespaceId) { Default = false },
        new("ip", "IP", 2, "4 or 6", e => e.IPVersion),
        new("saddr", "SADDR", -22, "the socket's local address", e => e.SourceAddress.ToString()),
        new("sport", "SPORT", 5, "the socket's local port", e => e.SourcePort),
        new("daddr", "DADDR", -22, "the peer's address", e => e.DestinationAddress.ToString()),
        new("dport", "DPORT", 5, "the peer's port", e => e.DestinationPort),
        new("state", "STATE", -12, "the socket's TCP state (ESTABLISHED, SYN_SENT...)", e => TcpText.StateName(e.State)),
        new("tcpflags", "TCPFLAGS", 0, "the retransmitted segment's flags (SYN|ACK...)", e => TcpText.FlagsName(e.Flags)),
    ]);

    /// <summary>tcpdrop's events.</summary>
    public static EventSchema<TcpDropEvent> TcpDrop { get; } = new("tcpdrop", e => EventTime.FromWall(e.Timestamp), e => e.Container,
    [
        new("netns", "NETNS", 11, "inode number of the network namespace (the socket's, else the device's; 0: unknown)", e => e.NetNamespaceId) { Default = false },
        new("ip", "IP", 2, "4 or 6", e => e.IPVersion),
        new("saddr", "SADDR", -22, "the segment's source address", e => e.SourceAddress.ToString()),
        new("sport", "SPORT", 5, "the segment's source port", e => e.SourcePort),
        new("daddr", "DADDR", -22, "the segment's destination address", e => e.DestinationAddress.ToString()),
        new("dport", "DPORT", 5, "the segment's destination port", e => e.DestinationPort),
        new("state", "STATE", -12, "the TCP state of the socket it belonged to (NONE: it found none)", e => TcpText.StateName(e.State)),
        new("tcpflags", "TCPFLAGS", -12, "the segment's flags (SYN|ACK...)", e => TcpText.FlagsName(e.Flags)),
        new("reason", "REASON", 0, "why the kernel dropped it (NO_SOCKET, TCP_CSUM...: the running kernel's enum skb_drop_reason)", e => e.ReasonName),
    ]);

    /// <summary>capable's events: one per capability check.</summary>
    public static EventSchema<CapabilityEvent> Capable { get; } = new("capable", e => EventTime.FromWall(e.Timestamp), e => e.Container,
    [
        new("pid", "PID", 7, "process id", e => e.Pid),
        new("tid", "TID", 7, "thread id", e => e.Tid) { Default = false },
        new("ppid", "PPID", 7, "the parent's process id", e => e.ParentPid) { Default = false },
        new("uid", "UID", 6, "user id", e => e.Uid),
        new("gid", "GID", 6, "group id", e => e.Gid) { Default = false },
        new("comm", "COMM", -16, "task name", e => e.Comm),
        new("pcomm", "PCOMM", -16, "the parent process's task name", e => e.ParentComm) { Default = false },
        new("cap", "CAP", 3, "the capability's number", e => e.Capability) { Default = false },
        new("capName", "CAPNAME", -22, "the capability's name (CAP_CHOWN, CAP_SYS_ADMIN...)", e => e.CapabilityName),
        new("audit", "AUDIT", 5, "whether a denial is audited (false: the kernel asked for no audit message)", e => e.Audit),
        new("verdict", "VERDICT", -7, "allow or deny", e => e.Allowed ? "allow" : "deny"),
        new("ret", "RET", 3, "what cap_capable returned: 0, or -1 (-EPERM)", e => e.ReturnValue) { Default = false },
        new("userns", "USERNS", 0, "inode number of the user namespace the capability was checked in", e => e.UserNamespaceId) { Default = false },
    ]);

    /// <summary><c>trace dns</c>'s events: one per DNS message seen (no process: a packet is not in a process's context).</summary>
    public static EventSchema<DnsEvent> Dns { get; } = new("dns", e => EventTime.FromWall(e.Timestamp), e => e.Container,
    [
        new("netns", "NETNS", 11, "inode number of the network namespace the packet was seen in", e => e.NetNamespaceId) { Default = false },
        new("ifindex", "IFINDEX", 7, "the interface (index in that namespace) it was seen on", e => e.InterfaceIndex) { Default = false },
        new("ip", "IP", 2, "4 or 6", e => e.IPVersion) { Default = false },
        new("saddr", "SADDR", -22, "the packet's source address", e => e.SourceAddress.ToString()) { Default = false },
        new("sport", "SPORT", 5, "the packet's source port", e => e.SourcePort) { Default = false },
        new("daddr", "DADDR", -22, "the packet's destination address", e => e.DestinationAddress.ToString()) { Default = false },
        new("dport", "DPORT", 5, "the packet's destination port", e => e.DestinationPort) { Default = false },
        new("nameserver", "NAMESERVER", -16, "the server's address: the destination of a query, the source of a response", e => (e.Direction == DnsDirection.Query ? e.DestinationAddress : e.SourceAddress).ToString()),
        new("id", "ID", 5, "the message id (a response carries its query's)", e => e.Id),
        new("qr", "QR", 2, "Q a query, R a response", e => e.Direction == DnsDirection.Query ? "Q" : "R"),
        new("qtype", "QTYPE", -6, "the question's type (A, AAAA, TYPE65...)", e => e.QueryTypeName),
        new("name", "NAME", -30, "the question's name", e => e.Name),
        new("rcode", "RCODE", -9, "the response code (NOERROR, NXDOMAIN...; a query's is NOERROR)", e => e.ResponseCodeName),
        new("numAnswers", "#ANS", 4, "the answer records the message says it has", e => e.AnswerCount),
        new("latencyMs", "LAT_MS", 8, "a response's time after its query (same id and namespace), in ms; empty when the query was not seen", e => e.Latency is { } latency ? Math.Round(latency.TotalMilliseconds, 3) : (double?)null),
        new("addresses", "ADDRESSES", 0, "the addresses of its A and AAAA answers (in JSON: an array of strings)", e => e.Addresses.Select(a => a.ToString()).ToArray()),
        new("error", "ERROR", 0, "why the message could not be read to its end (empty: it could)", e => e.Error ?? string.Empty) { Default = false },
    ]);

    /// <summary><c>snapshot socket</c>'s rows: one per TCP or UDP socket there was when the snapshot was taken.</summary>
    public static EventSchema<SocketRow> SnapshotSocket { get; } = new("snapshot-socket", r => r.Time, r => r.Socket.Container,
    [
        new("proto", "PROTO", -5, "TCP or UDP", r => r.Socket.Protocol == System.Net.Sockets.ProtocolType.Tcp ? "TCP" : "UDP"),
        new("ip", "IP", 2, "4 or 6", r => r.Socket.IPVersion),
        new("laddr", "LADDR", -22, "local address:port", r => Endpoint(r.Socket.LocalAddress, r.Socket.LocalPort)),
        new("raddr", "RADDR", -22, "remote address:port (the any address and port 0 when not connected)", r => Endpoint(r.Socket.RemoteAddress, r.Socket.RemotePort)),
        new("state", "STATE", -12, "TCP: the state (LISTEN, ESTABLISHED...); UDP: UNCONN, or ESTABLISHED when connected", r => SocketStateName(r.Socket)),
        new("inode", "INODE", 10, "the socket's inode number (0: a time-wait or request socket)", r => r.Socket.Inode),
        new("uid", "UID", 6, "the socket's owner", r => r.Socket.Uid) { Default = false },
        new("netns", "NETNS", 0, "inode number of the socket's network namespace", r => r.Socket.NetNamespaceId) { Default = false },
    ]);

    /// <summary>A socket's state as snapshot socket prints it: the kernel's TCP state names, UNCONN for an unconnected UDP socket (as ss).</summary>
    public static string SocketStateName(SocketSnapshotEntry socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return socket.Protocol == System.Net.Sockets.ProtocolType.Udp && socket.State == TcpState.Close ? "UNCONN" : TcpText.StateName(socket.State);
    }

    /// <summary>A bound socket's protocol as bindsnoop prints it: TCP, UDP, else its type (RAW, DGRAM...).</summary>
    public static string ProtocolName(BindEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Protocol switch
        {
            System.Net.Sockets.ProtocolType.Tcp => "TCP",
            System.Net.Sockets.ProtocolType.Udp => "UDP",
            _ => e.SocketType == System.Net.Sockets.SocketType.Unknown ? "?" : e.SocketType.ToString().ToUpperInvariant(),
        };
    }

    /// <summary>An address and port, IPv6 in brackets.</summary>
    public static string Endpoint(IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";
    }
}
