using System.Net;
using System.Net.Sockets;
using Gadget.Containers;
using Gadget.Containers.Tests;
using BindRecord = Gadget.Gadgets.Bpf.Bindsnoop.BindEvent;

namespace Gadget.Gadgets.Tests;

/// <summary>bindsnoop against real binds of this process and of runc containers: what the kernel gave the socket is the oracle.</summary>
[Collection("gadgets")]
public sealed class BindSnoopTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task IPv4AndIPv6BindsAndAFailedOneAreReported()
    {
        await using var snoop = BindSnoop.Start(new GadgetOptions());
        await using var events = new EventCollector<BindEvent>(snoop.ReadAsync());
        using var v4 = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        v4.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var v6 = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        v6.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        using var held = new TcpListener(IPAddress.Loopback, 0);
        held.Start();
        var heldPort = ((IPEndPoint)held.LocalEndpoint).Port;
        using var loser = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = Assert.Throws<SocketException>(() => loser.Bind(new IPEndPoint(IPAddress.Loopback, heldPort)));
        Assert.Equal(SocketError.AddressAlreadyInUse, refused.SocketErrorCode);

        // Matched by descriptor and by the port the kernel gave (or refused): other tests of this process may bind too.
        var pid = Environment.ProcessId;
        var (port4, port6) = (((IPEndPoint)v4.LocalEndPoint!).Port, ((IPEndPoint)v6.LocalEndPoint!).Port);
        var e4 = await events.WaitForAsync(e => e.Pid == pid && e.FileDescriptor == (int)v4.Handle && e.BoundPort == port4, Timeout);
        Assert.NotNull(e4);
        Assert.Equal((4, "127.0.0.1", 0, port4), (e4.IPVersion, e4.Address?.ToString(), e4.Port, e4.BoundPort));
        Assert.Equal((SocketType.Stream, ProtocolType.Tcp, 0, "OK"), (e4.SocketType, e4.Protocol, e4.ReturnValue, e4.Result));
        Assert.Equal(2, e4.Family);

        var e6 = await events.WaitForAsync(e => e.Pid == pid && e.FileDescriptor == (int)v6.Handle && e.BoundPort == port6, Timeout);
        Assert.NotNull(e6);
        Assert.Equal((6, "::1", 0, port6), (e6.IPVersion, e6.Address?.ToString(), e6.Port, e6.BoundPort));
        Assert.Equal((SocketType.Dgram, ProtocolType.Udp, 0, "OK"), (e6.SocketType, e6.Protocol, e6.ReturnValue, e6.Result));
        Assert.Equal(10, e6.Family);

        var failed = await events.WaitForAsync(e => e.Pid == pid && e.FileDescriptor == (int)loser.Handle && e.Port == heldPort && e.ReturnValue != 0, Timeout);
        Assert.NotNull(failed);
        Assert.Equal(("127.0.0.1", heldPort, 0), (failed.Address?.ToString(), failed.Port, failed.BoundPort));
        Assert.Equal((-98, 98, "EADDRINUSE"), (failed.ReturnValue, failed.Error, failed.Result));
        Assert.Equal(ProtocolType.Tcp, failed.Protocol);
        Assert.Null(failed.Container);
        Assert.True(failed.Comm.Length > 0);
    }

    [Fact]
    public async Task ASelectedContainersBindIsReported_OthersStayInTheKernel()
    {
        await using var containers = new ContainerCollection();
        var selectedId = RuncContainer.NewId("bind-sel");
        var otherId = RuncContainer.NewId("bind-other");
        await using var snoop = BindSnoop.Start(new GadgetOptions { Containers = containers, Selector = new ContainerSelector { IdPrefix = selectedId } });
        await using var everything = BindSnoop.Start(new GadgetOptions());
        await using var events = new EventCollector<BindEvent>(snoop.ReadAsync());
        await using var allEvents = new EventCollector<BindEvent>(everything.ReadAsync());
        using var selected = RuncContainer.Create(selectedId, ["busybox", "nc", "-l", "-p", "4711"], start: false);
        using var other = RuncContainer.Create(otherId, ["busybox", "nc", "-l", "-p", "4712"], start: false);
        Assert.NotNull(await containers.WaitForContainerAsync(c => c.Id == selectedId, Timeout));
        Assert.NotNull(await containers.WaitForContainerAsync(c => c.Id == otherId, Timeout));
        var selectedPid = selected.Pid;
        var otherPid = other.Pid;
        using var host = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        host.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        other.Start();
        // Seen by the unfiltered gadget: the other container's bind happened before the selected one's.
        Assert.NotNull(await allEvents.WaitForAsync(e => e.Pid == otherPid && e.Port == 4712, Timeout));
        selected.Start();

        var bound = await events.WaitForAsync(e => e.Port == 4711, Timeout);
        Assert.NotNull(bound);
        Assert.Equal(selectedId, bound.Container?.Id);
        Assert.Equal(selectedPid, bound.Pid);
        Assert.Equal("busybox", bound.Comm);
        Assert.Equal((4711, "OK", ProtocolType.Tcp), (bound.BoundPort, bound.Result, bound.Protocol));
        var all = events.Snapshot();
        Assert.DoesNotContain(all, e => e.Port == 4712 || e.Pid == Environment.ProcessId);
        Assert.All(all, e => Assert.Equal(selectedId, e.Container?.Id));
    }

    [Fact]
    public void ARecordIsParsedFromItsBytes()
    {
        var record = new BindRecord { Timestamp = 1, CgroupId = 7, Retval = -98, Fd = 5, Family = 10, Port = 8080, ScopeId = 3, SocketType = 2, Protocol = 17 };
        IPAddress.Parse("fe80::1").TryWriteBytes(record.Addr, out _);
        "svc"u8.CopyTo(record.Proc.Comm);
        var bytes = new byte[BindRecord.Size];
        System.Runtime.InteropServices.MemoryMarshal.Write(bytes, in record);

        var e = BindSnoop.Parse(bytes);
        Assert.NotNull(e);
        Assert.Equal(("fe80::1%3", 6, 8080, 0), (e.Address?.ToString(), e.IPVersion, e.Port, e.BoundPort));
        Assert.Equal((SocketType.Dgram, ProtocolType.Udp, "EADDRINUSE", 5, "svc"), (e.SocketType, e.Protocol, e.Result, e.FileDescriptor, e.Comm));
        Assert.Null(BindSnoop.Parse(bytes.AsSpan(1)));

        record.Family = 1; // AF_UNIX: no IP address
        record.SocketType = 0; // not a socket
        System.Runtime.InteropServices.MemoryMarshal.Write(bytes, in record);
        Assert.Equal(((IPAddress?)null, 0, SocketType.Unknown), (BindSnoop.Parse(bytes)!.Address, BindSnoop.Parse(bytes)!.IPVersion, BindSnoop.Parse(bytes)!.SocketType));
    }
}
