using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Gadget.Containers;
using Gadget.Containers.Tests;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// snapshot socket against real sockets: this process's own (their inodes from /proc/self/fd), and a runc container's
/// network namespace, where what the BPF iterators list is compared with what <c>ss -tanu</c> prints there.
/// </summary>
[Collection("gadgets")]
public sealed class SocketSnapshotTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public void ThisProcesssListenerAndUdpSocketAreListedWithTheirInodesAndStates()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var udp = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        var (tcpPort, udpPort) = (((IPEndPoint)listener.LocalEndPoint!).Port, ((IPEndPoint)udp.LocalEndPoint!).Port);

        using var snapshot = SocketSnapshot.Start(new GadgetOptions());
        var entries = snapshot.Take();

        var tcp = Assert.Single(entries, e => e.Protocol == ProtocolType.Tcp && e.LocalPort == tcpPort && e.State == TcpState.Listen);
        Assert.Equal((IPAddress.Loopback, IPAddress.Any, 0), (tcp.LocalAddress, tcp.RemoteAddress, tcp.RemotePort));
        Assert.Equal(Inode(listener), tcp.Inode);
        var u = Assert.Single(entries, e => e.Protocol == ProtocolType.Udp && e.LocalPort == udpPort && e.IPVersion == 6);
        Assert.Equal((IPAddress.IPv6Loopback, TcpState.Close), (u.LocalAddress, u.State));
        Assert.Equal(Inode(udp), u.Inode);
        var netns = ulong.Parse(new FileInfo("/proc/self/ns/net").LinkTarget!.Split('[', ']')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.All((SocketSnapshotEntry[])[tcp, u], e => Assert.Equal((netns, 0, (Container?)null), (e.NetNamespaceId, e.Uid, e.Container)));
        Assert.All((SocketSnapshotEntry[])[tcp, u], e => Assert.NotEqual(0UL, e.CgroupId));

        // ss, in the same namespace, lists them the same way.
        var ss = SsSockets.List();
        Assert.Contains(SsSockets.Of(tcp), ss);
        Assert.Contains(SsSockets.Of(u), ss);
    }

    [Fact]
    public async Task AContainersSocketsAreListedAsSsListsThemInItsNetworkNamespace()
    {
        await using var containers = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = TimeSpan.FromMilliseconds(200) });
        var id = RuncContainer.NewId("sock-snap");
        using var runc = RuncContainer.Create(id, ["sh", "-c", "busybox nc -l -p 8080 </dev/null; sleep 30"]);
        var container = await containers.WaitForContainerAsync(c => c.Id == id, Patience) ?? throw new Xunit.Sdk.XunitException("container not seen");
        TcpTestHelpers.Run("nsenter", "-t", runc.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-n", "ip", "link", "set", "lo", "up");
        // More sockets in the container's namespace, opened by a python3 process of the host that entered it: a TCP
        // listener with one connection to it (both ends established) and a UDP socket.
        using var python = SocketsInNamespace(runc.Pid, out var ports);
        try
        {
            var ss = WaitForListener(runc.Pid, 8080);
            using var snapshot = SocketSnapshot.Start(new GadgetOptions { Containers = containers, Selector = new ContainerSelector { IdPrefix = id } });
            var entries = snapshot.Take();

            // The namespace is the container's own: the same sockets as ss, nothing else (the snapshot lists it once).
            Assert.Equal(ss.Select(r => r.ToString()).Order(), entries.Select(e => SsSockets.Of(e).ToString()).Order());
            Assert.All(entries, e => Assert.Equal(container.NetNamespaceId, e.NetNamespaceId));
            Assert.All(entries, e => Assert.Same(container, e.Container));
            var nc = Assert.Single(entries, e => e.LocalPort == 8080);
            Assert.Equal((ProtocolType.Tcp, TcpState.Listen, container.CgroupId), (nc.Protocol, nc.State, nc.CgroupId));
            var udp = Assert.Single(entries, e => e.Protocol == ProtocolType.Udp);
            Assert.Equal((ports.Udp, TcpState.Close), (udp.LocalPort, udp.State));
            Assert.NotEqual(container.CgroupId, udp.CgroupId); // python's cgroup: the container is known by the namespace
            Assert.Equal(2, entries.Count(e => e.State == TcpState.Established && (e.LocalPort == ports.Tcp || e.RemotePort == ports.Tcp)));

            // Without a selector: the host's namespace and every known container's, each socket with its own container.
            using var everything = SocketSnapshot.Start(new GadgetOptions { Containers = containers });
            var all = everything.Take();
            var hostNetns = ulong.Parse(new FileInfo("/proc/self/ns/net").LinkTarget!.Split('[', ']')[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Same(container, Assert.Single(all, e => e.NetNamespaceId == container.NetNamespaceId && e.LocalPort == 8080).Container);
            Assert.All(all.Where(e => e.NetNamespaceId == hostNetns), e => Assert.NotSame(container, e.Container));
        }
        finally
        {
            python.StandardInput.Close();
            python.WaitForExit(10_000);
            runc.Kill();
        }
    }

    private static List<SsSockets.Row> WaitForListener(int pid, int port)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var rows = SsSockets.List(pid);
            if (rows.Any(r => r.LocalPort == port && r.State == "LISTEN") || watch.Elapsed > Patience)
            {
                return rows;
            }
            Thread.Sleep(50);
        }
    }

    private static Process SocketsInNamespace(int pid, out (int Tcp, int Udp) ports)
    {
        const string Script = """
            import json, socket, sys
            server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            server.bind(('127.0.0.1', 0))
            server.listen(1)
            client = socket.create_connection(server.getsockname())
            conn, _ = server.accept()
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind(('127.0.0.1', 0))
            print(json.dumps({'tcp': server.getsockname()[1], 'udp': udp.getsockname()[1]}), flush=True)
            sys.stdin.read()
            """;
        var info = new ProcessStartInfo("nsenter") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in (string[])["-t", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-n", "python3", "-c", Script])
        {
            info.ArgumentList.Add(a);
        }
        var process = Process.Start(info)!;
        using var json = JsonDocument.Parse(process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("python3 printed nothing"));
        ports = (json.RootElement.GetProperty("tcp").GetInt32(), json.RootElement.GetProperty("udp").GetInt32());
        return process;
    }

    private static ulong Inode(Socket socket)
    {
        var target = new FileInfo($"/proc/self/fd/{socket.Handle}").LinkTarget!; // socket:[INODE]
        return ulong.Parse(target.Split('[', ']')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
