using Gadget.Bpf;
using Gadget.Bpf.Tests;
using Gadget.Containers;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// Every gadget's BPF object loads and attaches on the running kernel, and the container collection's does too. The
/// kernel matrix (eng/kernel-matrix.sh) runs this on every kernel Gadget supports; the event tests of each gadget say
/// what the programs see.
/// </summary>
[Collection("gadgets")]
public sealed class KernelCompatibilityTests
{
    public static TheoryData<string> Gadgets => ["execsnoop", "opensnoop", "sigsnoop", "oomkill", "exitsnoop", "bindsnoop", "mountsnoop", "tcpconnect", "tcpaccept", "tcptop", "tcpretrans", "tcpdrop", "filetop", "capable", "profile", "dns"];

    [Theory]
    [MemberData(nameof(Gadgets))]
    public async Task EveryGadgetLoadsAndAttaches(string gadget)
    {
        var options = new GadgetOptions();
        if (gadget == "tcptop" && !KernelFeatures.Has(KernelFeatures.SockLengthTracepoints))
        {
            var error = Assert.Throws<BpfFeatureNotSupportedException>(() => TcpTop.Start(options));
            Assert.Equal("tracepoint sock:sock_send_length", error.Feature);
            Assert.Contains("Linux 6.3", error.Message);
            return;
        }
        if (gadget == "tcpdrop" && !KernelFeatures.Has(KernelFeatures.KfreeSkbReason))
        {
            var error = Assert.Throws<BpfFeatureNotSupportedException>(() => TcpDrop.Start(options));
            Assert.Equal("tracepoint skb:kfree_skb reason", error.Feature);
            Assert.Contains("Linux 5.17", error.Message);
            return;
        }
        if (gadget == "capable" && !KernelFeatures.Has(KernelFeatures.Kprobe))
        {
            var error = Assert.Throws<BpfFeatureNotSupportedException>(() => Capable.Start(options));
            Assert.Equal("kprobe", error.Feature);
            return;
        }
        if (gadget == "profile")
        {
            // A perf_event program on every online CPU (the software CPU clock), its maps read and symbolised.
            using var profiler = CpuProfiler.Start(options);
            Assert.Equal(49, profiler.Collect().Frequency);
            return;
        }
        IAsyncDisposable started = gadget switch
        {
            "execsnoop" => ExecSnoop.Start(options),
            "opensnoop" => OpenSnoop.Start(options),
            "sigsnoop" => SigSnoop.Start(options),
            "oomkill" => OomKill.Start(options),
            "exitsnoop" => ExitSnoop.Start(options),
            "bindsnoop" => BindSnoop.Start(options),
            "mountsnoop" => MountSnoop.Start(options),
            "tcpconnect" => TcpConnect.Start(options),
            "tcpaccept" => TcpAccept.Start(options),
            "tcptop" => TcpTop.Start(options),
            "tcpretrans" => TcpRetrans.Start(options),
            "tcpdrop" => TcpDrop.Start(options),
            "filetop" => FileTop.Start(options, new FileTopOptions { AllFiles = true }),
            "capable" => Capable.Start(options),
            "dns" => DnsSnoop.Start(options),
            _ => throw new ArgumentOutOfRangeException(nameof(gadget)),
        };
        await started.DisposeAsync();
    }

    [Fact]
    public void TheProcessSnapshotLoadsAndRuns()
    {
        using var snapshot = ProcessSnapshot.Start(new GadgetOptions());
        Assert.Contains(snapshot.Take(), e => e.Pid == Environment.ProcessId);
    }

    [Fact]
    public void TheSocketSnapshotLoadsAndRuns()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        using var snapshot = SocketSnapshot.Start(new GadgetOptions());
        Assert.Contains(snapshot.Take(), e => e.LocalPort == port && e.State == TcpState.Listen && e.Protocol == System.Net.Sockets.ProtocolType.Tcp);
    }

    [Fact]
    public async Task TheContainerCollectionLoadsItsKernelPrograms()
    {
        await using var containers = new ContainerCollection(new ContainerCollectionOptions { UseBpf = true });
        Assert.NotNull(containers);
    }
}
