using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gadget.Containers;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// <see cref="GadgetsJsonContext"/> (source-generated, no reflection) writes every event type it declares and reads it
/// back to the same JSON: a pure test on plain objects, one of each type with every property set.
/// </summary>
public sealed class JsonContextTests
{
    private static readonly DateTimeOffset Time = new(2026, 12, 5, 9, 30, 1, 234, TimeSpan.Zero);

    private static readonly Container Web = new()
    {
        Runtime = ContainerRuntime.Runc,
        Id = "0123456789abcdef",
        Name = "web",
        Pid = 4321,
        CgroupPath = "/sys/fs/cgroup/web",
        CgroupId = 77,
        MountNamespaceId = 4026531840,
        Labels = new Dictionary<string, string> { ["app"] = "web" },
        Kubernetes = new KubernetesMetadata { PodName = "web-0", Namespace = "shop", ContainerName = "nginx", PodLabels = new Dictionary<string, string> { ["app"] = "web" } },
    };

    private static readonly TcpTraffic Traffic = new()
    {
        Pid = 10, Tid = 11, ParentPid = 1, Uid = 1000, Gid = 1001, Comm = "curl", ParentComm = "bash", CgroupId = 77, Container = Web,
        NetNamespaceId = 4026531992, LocalAddress = IPAddress.Parse("::1"), LocalPort = 40000, RemoteAddress = IPAddress.IPv6Loopback, RemotePort = 80,
        BytesSent = 100, BytesReceived = 2000, Sends = 1, Receives = 3,
    };

    private static readonly FileTraffic FileTraffic = new()
    {
        Pid = 10, Tid = 11, ParentPid = 1, Uid = 1000, Gid = 1001, Comm = "postgres", ParentComm = "sh", CgroupId = 77, Container = Web,
        Inode = 123456, DeviceMajor = 254, DeviceMinor = 1, Type = FileType.Regular, Name = "base.db", Path = ".../data/base.db",
        Reads = 3, Writes = 2, ReadBytes = 12288, WriteBytes = 8192,
    };

    /// <summary>One instance of every type the context declares.</summary>
    private static readonly Dictionary<Type, object> Samples = new()
    {
        [typeof(ExecEvent)] = new ExecEvent
        {
            Timestamp = Time, Pid = 10, Tid = 10, ParentPid = 1, Uid = 1000, Gid = 1001, Comm = "true", ParentComm = "sh", ReturnValue = 0,
            Arguments = ["/bin/true", "a b"], ArgumentsTruncated = false, CgroupId = 77, Container = Web,
        },
        [typeof(OpenEvent)] = new OpenEvent
        {
            Timestamp = Time, Pid = 10, Tid = 12, ParentPid = 1, Uid = 0, Gid = 0, Comm = "cat", ParentComm = "sh", ReturnValue = -2,
            Flags = 0x80000, Mode = 0, Path = "/etc/missing", CgroupId = 77,
        },
        [typeof(SignalEvent)] = new SignalEvent
        {
            Timestamp = Time, SenderPid = 10, SenderTid = 10, SenderParentPid = 1, SenderUid = 0, SenderGid = 4242, SenderComm = "kill", SenderParentComm = "sh",
            TargetPid = 20, TargetTid = 20, TargetComm = "sleep", Signal = 15, ToThreadGroup = true, Result = SignalResult.Delivered,
            SenderCgroupId = 1, TargetCgroupId = 77, TargetContainer = Web,
        },
        [typeof(OomKillEvent)] = new OomKillEvent
        {
            Timestamp = Time, VictimPid = 20, VictimComm = "hog", VictimUid = 0, TotalVmPages = 1000, AnonRssPages = 900, FileRssPages = 10, ShmemRssPages = 0,
            MemoryCgroup = "web", TriggerPid = 20, TriggerTid = 21, TriggerParentPid = 1, TriggerUid = 0, TriggerGid = 0, TriggerComm = "hog", TriggerParentComm = "sh",
            VictimCgroupId = 77, TriggerCgroupId = 77, Container = Web, TriggerContainer = Web,
        },
        [typeof(TcpConnectEvent)] = new TcpConnectEvent
        {
            Timestamp = 123456789, Pid = 10, Tid = 11, ParentPid = 1, Uid = 1000, Gid = 1001, Comm = "curl", ParentComm = "bash", CgroupId = 77,
            NetNamespaceId = 4026531992, SourceAddress = IPAddress.Loopback, SourcePort = 40000, DestinationAddress = IPAddress.Parse("127.0.0.1"), DestinationPort = 80,
            Latency = TimeSpan.FromMilliseconds(1.5), Error = 111, Succeeded = false,
        },
        [typeof(TcpAcceptEvent)] = new TcpAcceptEvent
        {
            Timestamp = 123456789, Pid = 30, Tid = 31, ParentPid = 1, Uid = 0, Gid = 0, Comm = "nginx", ParentComm = "containerd-shim", CgroupId = 77, Container = Web,
            NetNamespaceId = 4026531992, LocalAddress = IPAddress.Parse("10.0.0.2"), LocalPort = 80, RemoteAddress = IPAddress.Parse("10.0.0.3"), RemotePort = 40000,
        },
        [typeof(ExitEvent)] = new ExitEvent
        {
            Timestamp = Time, Pid = 40, Tid = 40, ParentPid = 1, Uid = 0, Gid = 0, Comm = "crash", ParentComm = "sh", ExitStatus = 0x8b,
            Lifetime = TimeSpan.FromMilliseconds(1500), CgroupId = 77, Container = Web,
        },
        [typeof(BindEvent)] = new BindEvent
        {
            Timestamp = Time, Pid = 30, Tid = 31, ParentPid = 1, Uid = 0, Gid = 0, Comm = "nginx", ParentComm = "sh", FileDescriptor = 5, Family = 10,
            Address = IPAddress.IPv6Loopback, Port = 80, BoundPort = 80, SocketType = System.Net.Sockets.SocketType.Stream,
            Protocol = System.Net.Sockets.ProtocolType.Tcp, ReturnValue = -98, CgroupId = 77, Container = Web,
        },
        [typeof(MountEvent)] = new MountEvent
        {
            Timestamp = Time, Pid = 50, Tid = 50, ParentPid = 1, Uid = 0, Gid = 0, Comm = "mount", ParentComm = "sh", Operation = MountOperation.Mount,
            Source = "tmpfs", Target = "/mnt", FileSystemType = "tmpfs", Data = "size=1m", Flags = 6, ReturnValue = 0, CgroupId = 77, Container = Web,
        },
        [typeof(ProcessSnapshotEntry)] = new ProcessSnapshotEntry
        {
            Pid = 60, Tid = 60, ParentPid = 1, Uid = 1000, Gid = 1000, Comm = "sleep", ParentComm = "sh", StartTime = Time, CgroupId = 77, Container = Web,
        },
        [typeof(SocketSnapshotEntry)] = new SocketSnapshotEntry
        {
            Protocol = System.Net.Sockets.ProtocolType.Udp, LocalAddress = IPAddress.IPv6Any, LocalPort = 53, RemoteAddress = IPAddress.IPv6Any, RemotePort = 0,
            State = TcpState.Close, Inode = 123456, Uid = 101, NetNamespaceId = 4026531992, CgroupId = 77, Container = Web,
        },
        [typeof(TcpRetransEvent)] = new TcpRetransEvent
        {
            Timestamp = Time, CgroupId = 77, Container = Web, NetNamespaceId = 4026531992, SourceAddress = IPAddress.Parse("10.0.0.2"), SourcePort = 40000,
            DestinationAddress = IPAddress.Parse("10.0.0.3"), DestinationPort = 80, State = TcpState.Established, Flags = TcpFlags.Psh | TcpFlags.Ack,
        },
        [typeof(TcpDropEvent)] = new TcpDropEvent
        {
            Timestamp = Time, CgroupId = 0, NetNamespaceId = 4026531992, SourceAddress = IPAddress.IPv6Loopback, SourcePort = 40000,
            DestinationAddress = IPAddress.IPv6Loopback, DestinationPort = 81, Flags = TcpFlags.Syn, State = TcpState.None, Reason = 3, ReasonName = "NO_SOCKET",
        },
        [typeof(CapabilityEvent)] = new CapabilityEvent
        {
            Timestamp = Time, Pid = 10, Tid = 11, ParentPid = 1, Uid = 65534, Gid = 65534, Comm = "chown", ParentComm = "sh", Capability = 0,
            Audit = true, Options = 0, ReturnValue = -1, UserNamespaceId = 4026531837, CgroupId = 77, Container = Web,
        },
        [typeof(DnsEvent)] = new DnsEvent
        {
            Timestamp = Time, Container = Web, NetNamespaceId = 4026531992, InterfaceIndex = 1, Direction = DnsDirection.Response, Id = 4242, OpCode = 0,
            Name = "web.shop.svc.cluster.local", QueryType = 1, ResponseCode = 0, AnswerCount = 2, Addresses = [IPAddress.Parse("10.96.0.10"), IPAddress.Parse("fd00::10")],
            Latency = TimeSpan.FromMicroseconds(250), SourceAddress = IPAddress.Parse("10.96.0.10"), SourcePort = 53, DestinationAddress = IPAddress.Parse("10.0.0.2"),
            DestinationPort = 40000, Length = 80,
        },
        [typeof(TcpTraffic)] = Traffic,
        [typeof(TcpTopSnapshot)] = new TcpTopSnapshot(Time, TimeSpan.FromSeconds(1), [Traffic]),
        [typeof(FileTraffic)] = FileTraffic,
        [typeof(FileTopSnapshot)] = new FileTopSnapshot(Time, TimeSpan.FromSeconds(1), [FileTraffic]),
        [typeof(NetworkPolicyAdvice)] = new NetworkPolicyAdvice
        {
            Name = "web", Namespace = "shop", PodLabels = new Dictionary<string, string> { ["app"] = "web" },
            Ingress = [new NetworkPolicyPeer { Namespace = "shop", PodLabels = new Dictionary<string, string> { ["app"] = "front" }, Ports = [80] }],
            Egress = [new NetworkPolicyPeer { Cidr = "127.0.0.1/32", Ports = [5432] }],
        },
    };

    [Fact]
    public void EveryDeclaredTypeHasASample()
    {
        var declared = typeof(GadgetsJsonContext).GetCustomAttributesData().Where(a => a.AttributeType == typeof(JsonSerializableAttribute)).Select(a => (Type)a.ConstructorArguments[0].Value!).ToHashSet();
        Assert.Equal(declared.OrderBy(t => t.Name), Samples.Keys.OrderBy(t => t.Name));
    }

    [Theory]
    [MemberData(nameof(TypeNames))]
    public void TheContextWritesAndReadsBackTheSameJson(string typeName)
    {
        var (type, sample) = Samples.Single(s => s.Key.Name == typeName);
        var info = GadgetsJsonContext.Default.GetTypeInfo(type);
        Assert.NotNull(info);
        var json = JsonSerializer.Serialize(sample, info);
        var read = JsonSerializer.Deserialize(json, info);
        Assert.NotNull(read);
        Assert.Equal(json, JsonSerializer.Serialize(read, info));
    }

    [Fact]
    public void NamesAreCamelCaseAndAddressesText()
    {
        var json = JsonSerializer.Serialize((TcpConnectEvent)Samples[typeof(TcpConnectEvent)], GadgetsJsonContext.Default.TcpConnectEvent);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal("127.0.0.1", root.GetProperty("destinationAddress").GetString());
        Assert.Equal("bash", root.GetProperty("parentComm").GetString());
        Assert.Equal(1001U, root.GetProperty("gid").GetUInt32());
        var exec = JsonSerializer.Serialize((ExecEvent)Samples[typeof(ExecEvent)], GadgetsJsonContext.Default.ExecEvent);
        using var execDocument = JsonDocument.Parse(exec);
        Assert.Equal("shop", execDocument.RootElement.GetProperty("container").GetProperty("kubernetes").GetProperty("namespace").GetString());
    }

    public static TheoryData<string> TypeNames() => [.. Samples.Keys.Select(t => t.Name)];
}
