using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Gadget.Bpf;
using Gadget.Containers;
using Gadget.Containers.Tests;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// The CPU profiler on the real kernel: processes built here burn CPU in functions with unique names, the profiler samples
/// them (the software CPU clock on every CPU) and the symbolised stacks must name those functions: native frames from
/// the ELF symbols, JIT frames from the .NET perf map, kernel frames from /proc/kallsyms. Each profile is collected while
/// its processes still run (their memory maps are needed to symbolise), then they are stopped.
/// </summary>
[Collection("gadgets")]
public sealed class CpuProfilerTests
{
    private static readonly TimeSpan Sampling = TimeSpan.FromSeconds(2);
    private static volatile bool s_stopManaged;
    private static long s_sink;

    [Fact]
    public async Task ANativeFunction_IsInItsProcessFoldedStacks()
    {
        using var spinner = SpinProgram.Start("spin", 60);
        try
        {
            using var profiler = CpuProfiler.Start(new GadgetOptions(), new CpuProfilerOptions { Pid = spinner.Id, Frequency = 99 });
            var profile = await profiler.CollectAfterAsync(Sampling);

            Assert.NotEmpty(profile.Stacks);
            Assert.All(profile.Stacks, s => Assert.Equal(spinner.Id, s.Pid));
            Assert.Contains(profile.Stacks, s => s.Comm == "profspin" && s.UserFrames.Count > 0 && s.UserFrames[0] == SpinProgram.SpinFunction);
            // Frame pointers walked: main calls the spinning function, root first in the folded line.
            var lines = profile.FoldedLines().ToList();
            Assert.Contains(lines, l => l.StartsWith("profspin;", StringComparison.Ordinal) && l.Contains(";main;" + SpinProgram.SpinFunction, StringComparison.Ordinal));
            Assert.Equal(profile.TotalSamples, lines.Sum(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)));
            Assert.Equal(0UL, profile.DroppedSamples);
        }
        finally
        {
            spinner.Kill();
            await spinner.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task AContainerSelector_KeepsOnlyThatContainersStacks_SymbolisedThroughItsRoot()
    {
        await using var containers = new ContainerCollection();
        var selectedId = RuncContainer.NewId("prof-sel");
        // The static spinner is bind-mounted at /tmp (the shared busybox rootfs is read-only).
        using var selected = RuncContainer.Create(selectedId, ["/tmp/profspin", "spin", "60"], configure: config =>
            config["mounts"]!.AsArray().Add(new JsonObject
            {
                ["destination"] = "/tmp",
                ["type"] = "bind",
                ["source"] = SpinProgram.Directory,
                ["options"] = new JsonArray("rbind", "ro"),
            }));
        using var other = SpinProgram.Start("spin", 60, "profspin-other");
        try
        {
            using var profiler = CpuProfiler.Start(
                new GadgetOptions { Containers = containers, Selector = new ContainerSelector { IdPrefix = selectedId } },
                new CpuProfilerOptions { Frequency = 99 });
            var profile = await profiler.CollectAfterAsync(Sampling);

            Assert.NotEmpty(profile.Stacks);
            Assert.All(profile.Stacks, s => Assert.Equal(selectedId, s.Container?.Id));
            Assert.DoesNotContain(profile.Stacks, s => s.Pid == other.Id || s.Comm == "profspin-other" || s.Pid == Environment.ProcessId);
            Assert.Contains(profile.Stacks, s => s.Pid == selected.Pid && s.Comm == "profspin" && s.UserFrames.Take(2).SequenceEqual([SpinProgram.SpinFunction, "main"]));
        }
        finally
        {
            other.Kill();
            await other.WaitForExitAsync();
            selected.Kill();
            selected.WaitStopped(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task ASyscallLoop_HasKernelFramesFromKallsyms()
    {
        using var spinner = SpinProgram.Start("syscalls", 60);
        try
        {
            using var profiler = CpuProfiler.Start(new GadgetOptions(), new CpuProfilerOptions { Pid = spinner.Id, Frequency = 99 });
            var profile = await profiler.CollectAfterAsync(Sampling);

            Assert.False(profile.KernelAddressesHidden);
            var kallsyms = File.ReadLines("/proc/kallsyms").Select(l => l.Split(' ', '\t')[2]).ToHashSet(StringComparer.Ordinal);
            // getppid(2) in the kernel: the syscall entry, the dispatcher or getppid itself. (The user stack shows libc's
            // getppid under main: the wrapper keeps no frame pointer, so the walk skips the C function that called it.)
            var inSyscall = profile.Stacks
                .Where(s => s.UserFrames.Contains("main"))
                .SelectMany(s => s.KernelFrames)
                .Where(f => f.Contains("getppid", StringComparison.Ordinal) || f.StartsWith("entry_SYSCALL", StringComparison.Ordinal) || f == "do_syscall_64")
                .ToList();
            Assert.True(inSyscall.Count > 0, "no syscall frame:\n" + string.Join('\n', profile.FoldedLines()));
            Assert.All(inSyscall, f => Assert.Contains(f, kallsyms));
            Assert.Contains(profile.FoldedLines(), l => l.StartsWith("profspin;", StringComparison.Ordinal) && l.Contains(";main;", StringComparison.Ordinal) && l.Contains(";do_syscall_64_[k]", StringComparison.Ordinal));
        }
        finally
        {
            spinner.Kill();
            await spinner.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task KernelOrUserStacksOnly()
    {
        using var spinner = SpinProgram.Start("syscalls", 60);
        try
        {
            using (var kernelOnly = CpuProfiler.Start(new GadgetOptions(), new CpuProfilerOptions { Pid = spinner.Id, Frequency = 99, UserStacks = false }))
            {
                var profile = await kernelOnly.CollectAfterAsync(TimeSpan.FromSeconds(1));
                Assert.Contains(profile.Stacks, s => s.KernelFrames.Count > 0);
                Assert.All(profile.Stacks, s => Assert.Empty(s.UserFrames));
            }
            using var userOnly = CpuProfiler.Start(new GadgetOptions(), new CpuProfilerOptions { Pid = spinner.Id, Frequency = 99, KernelStacks = false });
            var user = await userOnly.CollectAfterAsync(TimeSpan.FromSeconds(1));
            Assert.Contains(user.Stacks, s => s.UserFrames.Contains("main"));
            Assert.All(user.Stacks, s => Assert.Empty(s.KernelFrames));
        }
        finally
        {
            spinner.Kill();
            await spinner.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task AManagedMethod_IsNamedFromThePerfMap()
    {
        s_stopManaged = false;
        using var perfMap = DotnetPerfMap.Enable();
        var thread = new Thread(ProfileTestManagedSpin5e2b) { Name = "prof-managed", IsBackground = true };
        CpuProfile profile;
        using (var profiler = CpuProfiler.Start(new GadgetOptions(), new CpuProfilerOptions { Pid = Environment.ProcessId, Frequency = 99 }))
        {
            thread.Start();
            try
            {
                profile = await profiler.CollectAfterAsync(Sampling);
            }
            finally
            {
                s_stopManaged = true;
                thread.Join();
            }
        }

        Assert.True(File.Exists(DotnetPerfMap.FilePath));
        var spinning = profile.Stacks.Where(s => s.Comm == "prof-managed").ToList();
        Assert.NotEmpty(spinning);
        Assert.True(
            spinning.Any(s => s.UserFrames.Any(f => f.Contains(nameof(ProfileTestManagedSpin5e2b), StringComparison.Ordinal))),
            "no stack names the method:\n" + string.Join('\n', profile.FoldedLines().Where(l => l.StartsWith("prof-managed", StringComparison.Ordinal)))
            + "\nperf map:\n" + string.Join('\n', File.ReadLines(DotnetPerfMap.FilePath).Where(l => l.Contains("Spin", StringComparison.Ordinal))));
        Assert.All(profile.Stacks, s => Assert.Equal(Environment.ProcessId, s.Pid));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ProfileTestManagedSpin5e2b()
    {
        var value = 0L;
        while (!s_stopManaged)
        {
            for (var i = 0; i < 100_000; i++)
            {
                value += i ^ (value >> 3);
            }
        }
        s_sink = value;
    }

    [SkippableFact]
    public void AMissingPerfEvent_IsAFeatureError()
    {
        // This VM has no hardware PMU (no /sys/bus/event_source/devices/cpu): the kernel has no CPU cycles event.
        Skip.If(Directory.Exists("/sys/bus/event_source/devices/cpu"), "this machine has a hardware PMU");
        var error = Assert.Throws<BpfFeatureNotSupportedException>(() =>
            CpuProfiler.Start(new GadgetOptions(), new CpuProfilerOptions { Event = PerfEventKind.CpuCycles }));
        Assert.Contains("perf event", error.Feature, StringComparison.Ordinal);
        Assert.Contains("no hardware performance counters", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_RefusesBadOptions()
    {
        Assert.Throws<ArgumentException>(() => CpuProfiler.Start(new GadgetOptions(), new CpuProfilerOptions { Frequency = 0 }));
        Assert.Throws<ArgumentException>(() => CpuProfiler.Start(new GadgetOptions(), new CpuProfilerOptions { Frequency = 10_001 }));
        Assert.Throws<ArgumentException>(() => CpuProfiler.Start(new GadgetOptions(), new CpuProfilerOptions { KernelStacks = false, UserStacks = false }));
        Assert.Throws<ArgumentException>(() => CpuProfiler.Start(new GadgetOptions(), new CpuProfilerOptions { Pid = 0 }));
        Assert.Throws<ArgumentException>(() => CpuProfiler.Start(new GadgetOptions(), new CpuProfilerOptions { MaxStacks = 1000 }));
        Assert.Throws<ArgumentException>(() => CpuProfiler.Start(new GadgetOptions { Selector = new ContainerSelector { Name = "x" } }));
    }

    [Fact]
    public async Task AProfilerReleasesItsPerfEventsAndMaps()
    {
        // A perf event per online CPU, the maps, the program, the selection: all closed by Dispose.
        await using var containers = new ContainerCollection();
        var options = new GadgetOptions { Containers = containers, Selector = ContainerSelector.All };
        static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Length;
        using (var warmUp = CpuProfiler.Start(options))
        {
            warmUp.Collect();
        }
        var before = OpenDescriptors();
        for (var i = 0; i < 3; i++)
        {
            using var profiler = CpuProfiler.Start(options);
            Assert.True(OpenDescriptors() >= before + OnlineCpus.Read().Count, "the perf events are not open");
            profiler.Collect();
        }
        Assert.InRange(OpenDescriptors(), 0, before + 2);
    }

    [Fact]
    public void ADisposedProfiler_RefusesToCollect()
    {
        var profiler = CpuProfiler.Start(new GadgetOptions(), new CpuProfilerOptions { Pid = Environment.ProcessId });
        profiler.Dispose();
        profiler.Dispose();
        Assert.Throws<ObjectDisposedException>(() => profiler.Collect());
    }
}
