using System.Net;
using Gadget.Bpf;
using Gadget.Bpf.Tests;
using Gadget.Containers;
using Gadget.Containers.Tests;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// tcpdrop against real drops in a network namespace of the test's own: a SYN to a closed port (NO_SOCKET) and data a
/// socket filter refused (SOCKET_FILTER); the reason names are the running kernel's.
/// </summary>
[Collection("gadgets")]
public sealed class TcpDropTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [SkippableTheory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task ASynToAClosedPortIsDroppedWithNoSocket(string address)
    {
        KernelFeatures.Require(KernelFeatures.KfreeSkbReason);
        await using var drops = TcpDrop.Start(new GadgetOptions());
        await using var events = new EventCollector<TcpDropEvent>(drops.ReadAsync());

        var run = NetnsScenarios.ConnectToAClosedPort(address);

        Assert.Equal("ECONNREFUSED", run.Detail);
        var e = await events.WaitForAsync(e => e.NetNamespaceId == run.Netns && e.DestinationPort == run.ServerPort && e.SourcePort == run.ClientPort, Timeout);
        Assert.NotNull(e);
        var loopback = IPAddress.Parse(address);
        Assert.Equal((loopback, loopback), (e.SourceAddress, e.DestinationAddress));
        Assert.Equal("NO_SOCKET", e.ReasonName);
        Assert.Equal(TcpFlags.Syn, e.Flags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst));
        Assert.Equal((TcpState.None, 0UL), (e.State, e.CgroupId));
        Assert.Null(e.Container);
    }

    [SkippableFact]
    public async Task DataRefusedByASocketFilterIsDroppedWithTheSocketsStateAndCgroup()
    {
        KernelFeatures.Require(KernelFeatures.KfreeSkbReason);
        await using var drops = TcpDrop.Start(new GadgetOptions());
        await using var events = new EventCollector<TcpDropEvent>(drops.ReadAsync());

        var run = NetnsScenarios.DroppedByASocketFilter("127.0.0.1");

        var e = await events.WaitForAsync(e => e.NetNamespaceId == run.Netns && e.SourcePort == run.ClientPort && e.DestinationPort == run.ServerPort, Timeout);
        Assert.NotNull(e);
        Assert.Equal("SOCKET_FILTER", e.ReasonName);
        Assert.True(e.Flags.HasFlag(TcpFlags.Ack), $"flags {e.Flags}");
        // The socket the segment reached is the server's: established, created by the python process.
        // Linux 6.10 added the receiving socket (rx_sk) to the tracepoint; before, a received segment has no socket there.
        Assert.Equal(TcpDropRxSocket() ? (TcpState.Established, run.Cgroup) : (TcpState.None, 0UL), (e.State, e.CgroupId));
    }

    [SkippableFact]
    public async Task WithASelectorOnlyTheSelectedContainersSocketsDropsAreReported()
    {
        KernelFeatures.Require(KernelFeatures.KfreeSkbReason);
        Skip.IfNot(TcpDropRxSocket(), "before Linux 6.10 a received segment's drop has no socket, so no container to select");
        await using var containers = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = TimeSpan.FromMilliseconds(200) });
        var id = RuncContainer.NewId("drop");
        using var runc = RuncContainer.Create(id, ["sh", "-c", "sleep 60"]);
        var container = await containers.WaitForContainerAsync(c => c.Id == id, Timeout) ?? throw new Xunit.Sdk.XunitException("container not seen");
        await using var drops = TcpDrop.Start(new GadgetOptions { Containers = containers, Selector = new ContainerSelector { IdPrefix = id } });
        await using var events = new EventCollector<TcpDropEvent>(drops.ReadAsync());
        try
        {
            // A drop without a socket and one of the test's own sockets first, then one of a socket made in the
            // container's cgroup: only the last passes the kernel's filter (events come in order).
            Assert.Equal("ECONNREFUSED", NetnsScenarios.ConnectToAClosedPort("127.0.0.1").Detail);
            var outside = NetnsScenarios.DroppedByASocketFilter("127.0.0.1");
            var inside = NetnsScenarios.DroppedByASocketFilter("127.0.0.1", container.CgroupPath);

            var e = await events.WaitForAsync(x => x.NetNamespaceId == inside.Netns && x.SourcePort == inside.ClientPort, Timeout);
            Assert.NotNull(e);
            Assert.Equal(("SOCKET_FILTER", TcpState.Established, container.CgroupId), (e.ReasonName, e.State, e.CgroupId));
            Assert.Same(container, e.Container);
            // (Namespace inodes are reused once a scenario's namespace is gone: the cgroup tells the runs apart.)
            Assert.NotEqual(container.CgroupId, outside.Cgroup);
            Assert.All(events.Snapshot(), x => Assert.Equal(container.CgroupId, x.CgroupId));
        }
        finally
        {
            runc.Kill();
        }
    }

    [SkippableFact]
    public void TheReasonNamesReadFromBtfAreTheOnesTheTracepointPrints()
    {
        var format = Path.Combine(BpfEnvironment.EnsureTracefs(), "events", "skb", "kfree_skb", "format");
        KernelFeatures.Require(KernelFeatures.KfreeSkbReason);
        // The tracepoint's print format names each reason: __print_symbolic(REC->reason, { 2, "NOT_SPECIFIED" }, ...).
        var printed = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(format), @"\{ (\d+), ""([A-Z0-9_]+)"" \}")
            .ToDictionary(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m => m.Groups[2].Value);
        Assert.NotEmpty(printed);
        var fromBtf = SkbDropReasons.FromBtf(File.ReadAllBytes("/sys/kernel/btf/vmlinux"));
        foreach (var (value, name) in printed)
        {
            Assert.Equal(name, fromBtf.GetValueOrDefault(value));
        }
    }

    [SkippableFact]
    public void ReasonNamesAreTheKernelsInItsOrder()
    {
        KernelFeatures.Require(KernelFeatures.KfreeSkbReason); // the enum came with Linux 5.17: none on 5.10
        var names = TcpDrop.ReasonNames;
        Assert.Contains("NO_SOCKET", names);
        Assert.Contains("NOT_SPECIFIED", names);
        Assert.DoesNotContain(names, n => n.StartsWith("SKB_DROP_REASON_", StringComparison.Ordinal));
        var fromBtf = SkbDropReasons.FromBtf(File.ReadAllBytes("/sys/kernel/btf/vmlinux"));
        Assert.Equal(fromBtf.OrderBy(p => p.Key).Select(p => p.Value), names);
    }

    [Fact]
    public void ABtfBlobWithoutTheEnumHasNoNames()
    {
        // The smallest BTF: a header, one INT type named "int", its string section.
        var blob = new byte[24 + 16 + 5];
        BitConverter.GetBytes((ushort)0xEB9F).CopyTo(blob, 0);
        blob[2] = 1;
        BitConverter.GetBytes(24u).CopyTo(blob, 4);   // hdr_len
        BitConverter.GetBytes(0u).CopyTo(blob, 8);    // type_off
        BitConverter.GetBytes(16u).CopyTo(blob, 12);  // type_len
        BitConverter.GetBytes(16u).CopyTo(blob, 16);  // str_off
        BitConverter.GetBytes(5u).CopyTo(blob, 20);   // str_len
        BitConverter.GetBytes(1u).CopyTo(blob, 24);   // name_off "int"
        BitConverter.GetBytes(1u << 24).CopyTo(blob, 28); // kind INT
        BitConverter.GetBytes(4u).CopyTo(blob, 32);
        BitConverter.GetBytes(32u).CopyTo(blob, 36);
        "\0int\0"u8.CopyTo(blob.AsSpan(40));
        Assert.Empty(SkbDropReasons.FromBtf(blob));
        Assert.Throws<InvalidDataException>(() => SkbDropReasons.FromBtf(blob.AsSpan(0, 10)));
    }

    private static bool TcpDropRxSocket() =>
        File.ReadAllText(Path.Combine(BpfEnvironment.EnsureTracefs(), "events", "skb", "kfree_skb", "format")).Contains(" rx_sk;", StringComparison.Ordinal);
}
