using Gadget.Bpf;
using Gadget.Containers.Tests;
using Gadget.Traceloop.Rings;
using Xunit.Abstractions;

namespace Gadget.Tracers.Tests;

/// <summary>
/// A tracer that reaches its open-file limit (RLIMIT_NOFILE): every ring holds a descriptor per CPU and one for its map, so on
/// a machine with many CPUs a few dozen containers reach a limit of a few thousand. Before, the tracer then made rings until
/// not one descriptor was left, and .NET ended the process when it could not start a thread ("Failed to create the thread
/// pool Gate thread"): every container's history was lost. Now it stops making rings short of the limit, says why, goes on
/// recording what it has, and records new containers again once the limit is raised.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class OpenFileLimitTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AWatchAtItsOpenFileLimitGoesOnSaysWhyAndRecordsAgainOnceTheLimitIsRaised()
    {
        var prefix = RuncContainer.NewId("nofile");
        using var watch = WatchProcess.Launch("--spare-rings", "1", "--id", prefix);
        await watch.WaitReadyAsync(Timeout);

        // One descriptor short of a ring: the tracer keeps RingPool.ReservedDescriptors free for the rest of the process
        // (the runtime opens an assembly it loads later, a dump's connection...), and a ring needs one per CPU and one more.
        // With only a few left (16 were tried), the watch itself ended, unable to load an assembly: the reserve is needed.
        var open = Directory.GetFileSystemEntries($"/proc/{watch.Id}/fd").Length;
        var soft = open + RingPool.ReservedDescriptors + BpfEnvironment.PossibleCpuCount;
        SetOpenFileLimit(watch, soft);
        output.WriteLine($"traceloop watch: {open} descriptors open, soft limit now {soft}");

        var containers = new List<RuncContainer>();
        try
        {
            // The one spare ring, made before the limit was lowered, records the first container; no other can be made.
            containers.Add(MarkerContainer.Start(prefix + "-1"));
            await AssertRecordedAsync(watch, containers[^1]);
            containers.Add(MarkerContainer.Start(prefix + "-2"));
            var notRecorded = $"Container {containers[^1].Id} ({containers[^1].Id}) is not recorded";
            var said = await Eventually.ValueAsync(Timeout, () => Task.FromResult(watch.Error.Contains(notRecorded, StringComparison.Ordinal) ? watch.Error : null));
            Assert.True(said is not null, "the watch never said why a container is not recorded: " + watch.Error);
            Assert.Contains("could not make a spare ring", said, StringComparison.Ordinal);
            Assert.Contains("RLIMIT_NOFILE", said, StringComparison.Ordinal);
            Assert.False(watch.HasExited, "the watch ended at its open-file limit: " + watch.Error);
            var second = await watch.DumpAsync(containers[^1].Id);
            Assert.True(second.ExitCode != 0, $"a container that got no ring was dumped: {second.Output}");

            // Raised again: the pool refills and a new container is recorded from its execve.
            SetOpenFileLimit(watch, null);
            // The pool is refilled within its next round (100 ms): a spare ring is there once the watch holds a ring's
            // descriptors more. A container started before would miss its first syscalls (counted, not recorded).
            var held = Directory.GetFileSystemEntries($"/proc/{watch.Id}/fd").Length;
            var refilled = await Eventually.ValueAsync(Timeout, () => Task.FromResult(
                Directory.GetFileSystemEntries($"/proc/{watch.Id}/fd").Length >= held + BpfEnvironment.PossibleCpuCount + 1 ? "refilled" : null));
            Assert.True(refilled is not null, "the watch made no spare ring once its limit was raised: " + watch.Error);
            containers.Add(MarkerContainer.Start(prefix + "-3"));
            await AssertRecordedAsync(watch, containers[^1]);
            Assert.False(watch.HasExited, "the watch ended: " + watch.Error);
        }
        finally
        {
            foreach (var container in containers)
            {
                container.Dispose();
            }
        }
    }

    private static async Task AssertRecordedAsync(WatchProcess watch, RuncContainer container)
    {
        var marker = MarkerContainer.MarkerPath(container.Id);
        var pid = container.Pid;
        Assert.True(pid > 0, $"{container.Id} is not running: {container.Output}");
        var history = await Eventually.ValueAsync(Timeout, async () =>
        {
            var (code, text, _) = await watch.DumpAsync(container.Id);
            return code == 0 && text.Contains(marker, StringComparison.Ordinal) ? HistoryLine.ParseJsonLines(text) : null;
        });
        Assert.True(history is not null, $"traceloop watch never showed {marker}: {(await watch.DumpAsync(container.Id)).Error}\n{watch.Error}");
        HistoryLine.AssertStartsWithExecveThenMarker(history, pid, marker, "watch " + container.Id);
    }

    /// <summary>Sets the watch's soft RLIMIT_NOFILE (null: up to its hard limit, which stays), with util-linux's prlimit.</summary>
    private static void SetOpenFileLimit(WatchProcess watch, int? soft)
    {
        Assert.False(watch.HasExited, "the watch ended: " + watch.Error);
        var pid = watch.Id;
        var hard = File.ReadLines($"/proc/{pid}/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[4];
        Assert.Equal(0, HostCommand.Run("prlimit", "--pid", $"{pid}", $"--nofile={soft?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? hard}:{hard}"));
    }
}
