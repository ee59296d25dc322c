using System.Text.Json;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// TCP scenarios run by a python3 child in a network namespace of its own (<c>unshare -n</c>, loopback brought up):
/// nothing else sends there, and what the scenario's sockets were given (ports, namespace inode, cgroup id) is printed
/// as JSON for the test to compare with what the gadget reported.
/// </summary>
internal static class NetnsScenarios
{
    /// <summary>What a scenario's sockets were given.</summary>
    internal sealed record Result(ulong Netns, ulong Cgroup, int ClientPort, int ServerPort, string Detail);

    private const string Prelude = """
        import ctypes, json, os, socket, struct, subprocess, sys, time
        subprocess.run(['ip', 'link', 'set', 'lo', 'up'], check=True)
        addr = sys.argv[1]
        cgroup2 = [l.split()[1] for l in open('/proc/mounts') if l.split()[2] == 'cgroup2'][0]  # /sys/fs/cgroup(/unified)
        if len(sys.argv) > 2:  # join this cgroup (a container's, its path in the cgroup2 tree) before any socket is created
            with open(cgroup2 + sys.argv[2] + '/cgroup.procs', 'w') as procs:
                procs.write(str(os.getpid()))
        family = socket.AF_INET6 if ':' in addr else socket.AF_INET
        netns = os.stat('/proc/self/ns/net').st_ino
        cgroup_path = [l.split(':', 2)[2].strip() for l in open('/proc/self/cgroup') if l.startswith('0::')][0]
        cgroup = os.stat(cgroup2 + cgroup_path).st_ino
        def tcp_counter(name):
            lines = [l.split() for l in open('/proc/net/snmp') if l.startswith('Tcp:')]
            return int(lines[1][lines[0].index(name)])
        def report(client, server, detail):
            print(json.dumps({'netns': netns, 'cgroup': cgroup, 'client': client, 'server': server, 'detail': detail}))
        """;

    /// <summary>
    /// A connection whose server socket drops everything after the handshake (a classic BPF socket filter returning 0):
    /// the client's data is dropped (SOCKET_FILTER) and retransmitted until the namespace counted two retransmissions.
    /// Its detail: the client socket's own count of retransmissions then (TCP_INFO's tcpi_total_retrans).
    /// </summary>
    public static Result DroppedByASocketFilter(string address, string? cgroupPath = null) => Run(address, cgroupPath, Prelude + "\n" + """
        server = socket.socket(family, socket.SOCK_STREAM)
        server.bind((addr, 0))
        server.listen(1)
        client = socket.socket(family, socket.SOCK_STREAM)
        client.connect((addr, server.getsockname()[1]))
        conn, _ = server.accept()
        drop_all = ctypes.create_string_buffer(struct.pack('HBBI', 0x06, 0, 0, 0))  # BPF_RET|BPF_K 0
        conn.setsockopt(socket.SOL_SOCKET, 26, struct.pack('HL', 1, ctypes.addressof(drop_all)))  # SO_ATTACH_FILTER
        client.send(b'x' * 100)
        for _ in range(600):
            if tcp_counter('RetransSegs') >= 2:
                break
            time.sleep(0.05)
        total_retrans = struct.unpack_from('I', client.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104), 100)[0]  # tcpi_total_retrans
        report(client.getsockname()[1], server.getsockname()[1], str(total_retrans))
        """);

    /// <summary>A connect to a port nothing listens on: the SYN finds no socket (NO_SOCKET) and is answered by a reset.</summary>
    public static Result ConnectToAClosedPort(string address) => Run(address, null, Prelude + "\n" + """
        probe = socket.socket(family, socket.SOCK_STREAM)
        probe.bind((addr, 0))
        port = probe.getsockname()[1]
        probe.close()
        client = socket.socket(family, socket.SOCK_STREAM)
        client.bind((addr, 0))
        try:
            client.connect((addr, port))
            detail = 'connected'
        except ConnectionRefusedError:
            detail = 'ECONNREFUSED'
        report(client.getsockname()[1], port, detail)
        """);

    private static Result Run(string address, string? cgroupPath, string script)
    {
        var output = cgroupPath is null
            ? TcpTestHelpers.Run("unshare", "-n", "python3", "-c", script, address)
            : TcpTestHelpers.Run("unshare", "-n", "python3", "-c", script, address, cgroupPath);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        return new Result(root.GetProperty("netns").GetUInt64(), root.GetProperty("cgroup").GetUInt64(),
            root.GetProperty("client").GetInt32(), root.GetProperty("server").GetInt32(), root.GetProperty("detail").GetString()!);
    }
}
