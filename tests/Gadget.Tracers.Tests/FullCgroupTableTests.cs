using Gadget.Bpf.Tests;
using Gadget.Containers;
using Gadget.Containers.Tests;
using Gadget.Traceloop;
using Gadget.Traceloop.Decoding;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Gadget.Tracers.Tests;

/// <summary>
/// traceloop's kernel table of known cgroups (bpf/traceloop_rings.h, <c>cgroups</c>) notes every cgroup root makes while a
/// recorder follows, at its creation, so that its first syscall can claim a ring; a cgroup made while the table is full is
/// not noted, and the tracer says so once a minute. That warning was never logged (its "once a minute" tick started at
/// <c>long.MinValue</c> and <c>now - tick</c> overflowed). Here the table is filled for real, by cgroups this test makes
/// as root, in a table of <see cref="Table"/> (<c>TraceloopOptions.KnownCgroups</c>): 16,384 of them would fill every other
/// tracer's table on the node too.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class FullCgroupTableTests(ITestOutputHelper output)
{
    private const int Table = 32;
    private const int Overflow = 16;
    private const string FullWarning = "traceloop's table of cgroups is full";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AFullTable_IsOneWarningAndASelectedContainerIsStillRecorded()
    {
        var id = RuncContainer.NewId("fulltable");
        var logger = new CapturingLogger();
        await using var tracer = TraceloopTracer.Start(new TraceloopOptions { Logger = logger, KnownCgroups = Table, MaxContainers = 4, SpareRings = 2 });
        await using var collection = new ContainerCollection();
        using var recorder = tracer.Follow(collection, new ContainerSelector { IdPrefix = id });
        var parent = Path.Combine(CgroupId.Cgroup2Root, $"gadget-full-{Guid.NewGuid().ToString("N")[..8]}");
        var made = new List<string>();
        try
        {
            Directory.CreateDirectory(parent);
            // More cgroups than the table holds, all there at once (a cgroup noted at its creation is forgotten at its removal).
            for (var i = 0; i < Table + Overflow; i++)
            {
                made.Add(Directory.CreateDirectory(Path.Combine(parent, $"c{i}")).FullName);
            }
            var ours = made.Prepend(parent).Select(CgroupId.FromPath).ToHashSet();
            var warning = await Eventually.ValueAsync(Timeout, () => Task.FromResult(FullWarnings(logger).FirstOrDefault()));
            Assert.True(warning is not null, $"no warning after {made.Count + 1} new cgroups, table of {Table}:\n{Logged(logger)}");
            output.WriteLine(warning);

            // A container started now: its cgroup is made while the table is full, so it gets no ring at its first syscall
            // (its init's marker is not recorded); selected, it is recorded from when the collection registers it, as the
            // warning says: a process run in it then (runc exec) is. It was not recorded at all: adding it to the full
            // table failed (E2BIG) and the container was logged as not recorded.
            using var container = MarkerContainer.Start(id);
            Assert.True(container.Pid > 0, $"{id} is not running: {container.Output}");
            var registered = await Eventually.ValueAsync(Timeout, () => Task.FromResult(TryDump(recorder, id)));
            Assert.True(registered is not null, $"{id}, started while the table was full, was never recorded:\n{Logged(logger)}");
            var marker = MarkerContainer.MarkerPath(id) + "-exec";
            Assert.Equal(0, container.Exec(MarkerContainer.InContainer, marker, "exit", "0"));
            var formatter = new SyscallFormatter();
            var history = await Eventually.ValueAsync(Timeout, () => Task.FromResult(
                TryDump(recorder, id) is { } dumped && dumped.Any(r => formatter.Format(r).Contains(marker, StringComparison.Ordinal)) ? dumped : null));
            Assert.True(history is not null, $"{id}: the process run in it once it was recorded is not in its history:\n{string.Join('\n', TryDump(recorder, id)?.Select(formatter.Format) ?? [])}");

            // One warning for all the cgroups the table could not hold (the container's too), not one each; it names the
            // first of them (one of this test's: nothing else on the node makes cgroups this fast) and counts it as the first.
            // Each is counted, for the next warning a minute later: at least those of this test's the table had no room for.
            var counted = await Eventually.ValueAsync(Timeout, () => Task.FromResult(tracer.CgroupsNotNoted > Overflow ? "counted" : null));
            Assert.True(counted is not null, $"{tracer.CgroupsNotNoted} cgroups counted as not noted, of {made.Count + 1} made for a table of {Table}");
            var warnings = FullWarnings(logger);
            Assert.True(warnings.Count == 1, $"{warnings.Count} warnings:\n{string.Join('\n', warnings)}");
            Assert.Contains("(1 so far)", warnings[0], StringComparison.Ordinal);
            Assert.True(ours.Any(cgroup => warnings[0].Contains($"new cgroup {cgroup} ", StringComparison.Ordinal)), $"the warning names none of this test's cgroups ({string.Join(", ", ours)}): {warnings[0]}");
        }
        finally
        {
            // Children first, then their parent; a failure here must not hide the test's own.
            foreach (var directory in Enumerable.Reverse(made).Append(parent))
            {
                try
                {
                    Directory.Delete(directory);
                }
                catch (IOException e)
                {
                    output.WriteLine($"could not remove {directory}: {e.Message}");
                }
            }
        }
        Assert.False(Directory.Exists(parent), $"{parent} was left behind");
    }

    private static SyscallHistory? TryDump(ContainerRecorder recorder, string id)
    {
        try
        {
            return recorder.Dump(id);
        }
        catch (KeyNotFoundException)
        {
            return null;
        }
    }

    /// <summary>What the tracer logged at information level and above (its debug lines are libbpf's, hundreds).</summary>
    private static string Logged(CapturingLogger logger) =>
        string.Join('\n', logger.Messages.Where(m => m.Level >= LogLevel.Information).Select(m => m.Message));

    private static List<string> FullWarnings(CapturingLogger logger) =>
        [.. logger.Messages.Where(m => m.Level == LogLevel.Warning && m.Message.Contains(FullWarning, StringComparison.Ordinal)).Select(m => m.Message)];
}
