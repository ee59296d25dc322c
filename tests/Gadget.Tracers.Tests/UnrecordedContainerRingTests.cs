using System.Globalization;
using Gadget.Bpf;
using Gadget.Bpf.Tests;
using Gadget.Containers;
using Gadget.Containers.Tests;
using Gadget.Traceloop;
using Gadget.Traceloop.Rings;
using Xunit.Abstractions;

namespace Gadget.Tracers.Tests;

/// <summary>
/// A selected container the recorder could not record (its ring could not be made: the open-file limit; or every ring was
/// in use) stayed one of the kernel's new cgroups: once the pool had a spare ring again, the container's next syscall
/// claimed it, and the ring was held for nobody until <see cref="TraceloopOptions.UnkeptRingTimeout"/> (30 s), while the
/// pool was short of it. The recorder now declines such a container at once: the kernel claims nothing for it.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class UnrecordedContainerRingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>How long the test watches the pool after the spare ring is back: far less than the 30 s it was held.</summary>
    private static readonly TimeSpan Watch = TimeSpan.FromSeconds(3);

    // Runs processes in its cgroup for good: a syscall there at any moment (a fork and an exec five times a second).
    private static readonly string[] Busy = ["sh", "-c", "while true; do sleep 0.2; done"];

    [Fact]
    public async Task AContainerWhoseRingCouldNotBeMadeHoldsNoRingOnceThePoolIsRefilled()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var prefix = RuncContainer.NewId("ringless");
        var logger = new CapturingLogger();
        await using var tracer = TraceloopTracer.Start(new TraceloopOptions { SpareRings = 1, Logger = logger });
        await using var collection = new ContainerCollection();
        using var recorder = tracer.Follow(collection, new ContainerSelector { IdPrefix = prefix });
        Assert.True(await UntilAsync(() => tracer.SpareRings == 1), "the pool never had its spare ring");
        var containers = new List<RuncContainer>();
        Container unrecorded;
        try
        {
            // Short of a ring's descriptors (RingPool.ReservedDescriptors stay free for the rest of this process): the spare
            // ring, made before, records the first container, and no other ring can be made.
            var open = Directory.GetFileSystemEntries("/proc/self/fd").Length;
            SetOwnOpenFileLimit(open + RingPool.ReservedDescriptors + BpfEnvironment.PossibleCpuCount - 4);
            try
            {
                containers.Add(RuncContainer.Create(prefix + "-1", Busy));
                Assert.True(await UntilAsync(() => recorder.Containers.Any(c => c.Id == containers[0].Id)), "the first container was not recorded");
                var added = Added(collection, prefix + "-2");
                containers.Add(RuncContainer.Create(prefix + "-2", Busy));
                unrecorded = await added.WaitAsync(Timeout);
                Assert.DoesNotContain(recorder.Containers, c => c.Id == unrecorded.Id);
                Assert.Contains(logger.Messages, m => m.Message.Contains($"Container {unrecorded.Name} ({unrecorded.Id}) is not recorded", StringComparison.Ordinal));
            }
            finally
            {
                SetOwnOpenFileLimit(null);
            }
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: limit raised again");
            await AssertHoldsNoRingAsync(tracer, unrecorded, "a spare ring was made again", () => tracer.SpareRings > 0);
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: checked");
        }
        finally
        {
            foreach (var container in containers)
            {
                container.Dispose();
            }
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: containers removed");
            output.WriteLine(string.Join('\n', logger.Messages.Select(m => $"{m.Level}: {m.Message}")));
        }
    }

    [Fact]
    public async Task AContainerThatFoundEveryRingInUseHoldsNoRingOnceOneIsFreed()
    {
        var prefix = RuncContainer.NewId("ringfull");
        var logger = new CapturingLogger();
        // Two rings in all: the first container's, then a spare that the second takes; the third finds none to take or make.
        await using var tracer = TraceloopTracer.Start(new TraceloopOptions { MaxContainers = 1, SpareRings = 1, Logger = logger });
        await using var collection = new ContainerCollection();
        using var recorder = tracer.Follow(collection, new ContainerSelector { IdPrefix = prefix }, retainedExitedContainers: 0);
        Assert.True(await UntilAsync(() => tracer.SpareRings == 1), "the pool never had its spare ring");
        var containers = new List<RuncContainer>();
        try
        {
            for (var i = 1; i <= 2; i++)
            {
                containers.Add(RuncContainer.Create($"{prefix}-{i}", Busy));
                var id = containers[^1].Id;
                Assert.True(await UntilAsync(() => recorder.Containers.Any(c => c.Id == id)), $"container {i} was not recorded");
            }
            Assert.True(await UntilAsync(() => tracer.SpareRings == 0 && tracer.Cgroups.Count == 2), $"{tracer.Cgroups.Count} rings used, {tracer.SpareRings} spare");
            var added = Added(collection, prefix + "-3");
            containers.Add(RuncContainer.Create(prefix + "-3", Busy));
            var unrecorded = await added.WaitAsync(Timeout);
            Assert.DoesNotContain(recorder.Containers, c => c.Id == unrecorded.Id);

            // The first container ends: its ring is freed (no ended container is retained), and the pool makes a spare one
            // in its slot at its next round (100 ms).
            var first = recorder.Containers.Single(c => c.Id == containers[0].Id).CgroupId;
            containers[0].Kill();
            Assert.True(containers[0].WaitStopped(Timeout), "the first container did not stop");
            await AssertHoldsNoRingAsync(tracer, unrecorded, "the first container's ring was freed", () => !tracer.Cgroups.Contains(first));
            Assert.Contains(logger.Messages, m => m.Message.Contains($"Container {unrecorded.Name} ({unrecorded.Id}) is not recorded: Every one of the 2 rings is in use", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var container in containers)
            {
                container.Dispose();
            }
            output.WriteLine(string.Join('\n', logger.Messages.Select(m => $"{m.Level}: {m.Message}")));
        }
    }

    /// <summary>
    /// Once <paramref name="ringFree"/> (the pool has, or is about to have, a spare ring again), and while
    /// <paramref name="unrecorded"/> goes on making syscalls (a few a second) for <see cref="Watch"/>, its cgroup claims no ring.
    /// </summary>
    private async Task AssertHoldsNoRingAsync(TraceloopTracer tracer, Container unrecorded, string what, Func<bool> ringFree)
    {
        var cgroup = unrecorded.CgroupId;
        Assert.True(await UntilAsync(() => ringFree() || tracer.Cgroups.Contains(cgroup)), $"never {what}: {tracer.SpareRings} spare, rings used by {string.Join(", ", tracer.Cgroups)}");
        var watched = System.Diagnostics.Stopwatch.StartNew();
        while (watched.Elapsed < Watch)
        {
            var used = tracer.Cgroups;
            Assert.True(!used.Contains(cgroup), $"{watched.Elapsed.TotalSeconds:F1} s after {what}, the unrecorded container {unrecorded.Id} (cgroup {cgroup}) holds a ring, for nobody (rings used by {string.Join(", ", used)}; {tracer.SpareRings} spare)");
            await Task.Delay(100);
        }
        output.WriteLine($"{unrecorded.Id} (cgroup {cgroup}) held no ring for {Watch.TotalSeconds} s; {tracer.SpareRings} spare, rings used by {string.Join(", ", tracer.Cgroups)}");
    }

    /// <summary>Completes with the container whose id starts with <paramref name="prefix"/> once every earlier
    /// <see cref="ContainerCollection.ContainerAdded"/> handler (the recorder's) has run for it.</summary>
    private static Task<Container> Added(ContainerCollection collection, string prefix)
    {
        var added = new TaskCompletionSource<Container>(TaskCreationOptions.RunContinuationsAsynchronously);
        collection.ContainerAdded += (_, e) =>
        {
            if (e.Container.Id.StartsWith(prefix, StringComparison.Ordinal))
            {
                added.TrySetResult(e.Container);
            }
        };
        return added.Task;
    }

    private static async Task<bool> UntilAsync(Func<bool> condition) =>
        await Eventually.ValueAsync(Timeout, () => Task.FromResult(condition() ? "yes" : null)) is not null;

    /// <summary>Sets this process's soft RLIMIT_NOFILE (null: up to its hard limit, which stays), with util-linux's prlimit.</summary>
    private static void SetOwnOpenFileLimit(int? soft)
    {
        var hard = File.ReadLines("/proc/self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[4];
        Assert.Equal(0, HostCommand.Run("prlimit", "--pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            $"--nofile={soft?.ToString(CultureInfo.InvariantCulture) ?? hard}:{hard}"));
    }
}
