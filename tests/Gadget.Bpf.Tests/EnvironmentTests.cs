using System.Diagnostics;
using System.Globalization;
using Gadget.Linux;

namespace Gadget.Bpf.Tests;

public class EnvironmentTests
{
    [Fact]
    public void TracefsIsMountedOnDemandAndListsTheSyscallTracepoints()
    {
        var tracefs = BpfEnvironment.EnsureTracefs();
        Assert.True(Directory.Exists(Path.Combine(tracefs, "events", "raw_syscalls", "sys_enter")));
    }

    [Fact]
    public void BpffsIsMountedWhereAskedAndPinsWork()
    {
        var directory = Path.Combine(Path.GetTempPath(), "gadget-bpffs-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Assert.False(BpfEnvironment.IsOnBpffs(directory));
            BpfEnvironment.EnsureBpffs(directory);
            Assert.True(BpfEnvironment.IsOnBpffs(directory));
            using var map = BpfMap.Create(BpfMapType.Array, 4, 8, 1, "pin_probe");
            var pin = Path.Combine(directory, "pin_probe");
            map.Pin(pin);
            using (var reopened = BpfMap.OpenPinned(pin))
            {
                Assert.Equal(map.Id, reopened.Id);
            }
            map.Unpin();
            Assert.False(File.Exists(pin));
        }
        finally
        {
            Run("umount", directory);
            Directory.Delete(directory);
        }
    }

    [Fact]
    public void PinningOutsideBpffsIsRefusedWithTheMountCommand()
    {
        using var map = BpfMap.Create(BpfMapType.Array, 4, 8, 1);
        var directory = Path.Combine(Path.GetTempPath(), "gadget-not-bpffs-" + Guid.NewGuid().ToString("N")[..8]);
        var error = Assert.Throws<ArgumentException>(() => map.Pin(Path.Combine(directory, "m")));
        Assert.Contains("mount -t bpf", error.Message);
        Assert.False(Directory.Exists(directory), "a refused pin must not leave directories behind");
    }

    [Fact]
    public void FeatureProbesAgreeWithWhatTheKernelDoes()
    {
        Assert.True(BpfEnvironment.LibbpfVersion >= new Version(1, 0));
        Assert.True(BpfEnvironment.IsSupported(BpfMapType.RingBuffer));
        using (var ring = BpfMap.Create(BpfMapType.RingBuffer, 0, 0, 4096 * 4))
        {
            Assert.Equal(BpfMapType.RingBuffer, ring.Type);
        }
        Assert.True(BpfEnvironment.IsSupported(BpfProgramType.Tracepoint));
        Assert.True(BpfEnvironment.PossibleCpuCount >= Environment.ProcessorCount);
        // Kprobe availability is reported from the kernel's PMU list; it must match what attaching does (see AttachTests).
        Assert.Equal(Directory.Exists("/sys/bus/event_source/devices/kprobe") || File.Exists("/sys/kernel/tracing/kprobe_events"), BpfEnvironment.HasKprobes);
    }

    [Fact]
    public void ErrnoBecomesTypedExceptionsNamingCapabilityAndPath()
    {
        var permission = Assert.IsType<BpfPermissionException>(Errno.ToException(-Errno.EPERM, "load program 'x'"));
        Assert.Contains("CAP_BPF", permission.Message);
        Assert.Equal("EPERM", permission.ErrnoName);
        var missing = Assert.IsType<FileNotFoundException>(Errno.ToException(Errno.ENOENT, "open pinned map", "/sys/fs/bpf/nope"));
        Assert.Equal("/sys/fs/bpf/nope", missing.FileName);
        var big = Assert.IsType<BpfException>(Errno.ToException(Errno.E2BIG, "update map"));
        Assert.Contains("E2BIG", big.Message);
    }

    [Fact]
    public void TooManyOpenFilesNamesTheProcesssLimitAndWhatHoldsDescriptors()
    {
        var limits = File.ReadLines("/proc/self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var error = Assert.IsType<BpfException>(Errno.ToException(-Errno.EMFILE, "perf_event_open for BPF output (cpu 1, pid -1)"));
        Assert.Equal("EMFILE", error.ErrnoName);
        Assert.Contains($"RLIMIT_NOFILE {limits[3]} (hard {limits[4]})", error.Message, StringComparison.Ordinal);
        Assert.Contains("per-CPU perf buffer", error.Message, StringComparison.Ordinal);
        Assert.Contains("LimitNOFILE=", error.Message, StringComparison.Ordinal);
        var system = Assert.IsType<BpfException>(Errno.ToException(Errno.ENFILE, "create map"));
        Assert.Contains("fs.file-max", system.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheOpenFileLimitIsTheProcesssAndCountsItsDescriptors()
    {
        var limits = File.ReadLines("/proc/self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var before = OpenFileLimit.Read();
        var files = Enumerable.Range(0, 200).Select(_ => File.OpenRead("/proc/self/stat")).ToList();
        try
        {
            var after = OpenFileLimit.Read();
            // Other tests open and close descriptors meanwhile: about 200 more, not exactly.
            Assert.InRange(after.Open - before.Open, 150, 250);
            Assert.Contains($"RLIMIT_NOFILE {limits[3]} (hard {limits[4]})", after.ToString(), StringComparison.Ordinal);
            Assert.Equal(limits[3] == "unlimited" ? long.MaxValue : long.Parse(limits[3], CultureInfo.InvariantCulture) - after.Open, after.Headroom);
        }
        finally
        {
            files.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public void OpeningAMissingPinNamesThePath()
    {
        var error = Assert.Throws<FileNotFoundException>(() => BpfMap.OpenPinned("/sys/fs/bpf/gadget-does-not-exist"));
        Assert.Equal("/sys/fs/bpf/gadget-does-not-exist", error.FileName);
    }

    private static void Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true })!;
        process.WaitForExit();
    }
}
