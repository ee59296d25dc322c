using System.Text;
using Xunit.Abstractions;

namespace Gadget.Traceloop.Tests;

/// <summary>What a ring keeps when it is smaller than what a process does, and that a cgroup's ring is its own.</summary>
[Collection(KernelCollection.Name)]
public sealed class RingTests(ITestOutputHelper output)
{
    private const int WriteNumber = 1;
    private const int ExitGroupNumber = 231;

    [Fact]
    public async Task ARingSmallerThanTheBurstKeepsExactlyTheNewestRecords()
    {
        const int Count = 3000;
        await using var tracer = TraceloopTracer.Start();
        await using var command = TracedCommand.Start(
            tracer, "/bin/busybox", ["sh", "-c", $"i=0; while [ $i -lt {Count} ]; do echo $i; i=$((i+1)); done > /dev/null"],
            redirectOutput: true, pagesPerCpu: 1);
        Assert.Equal(0, await command.WaitForExitAsync());

        var history = tracer.Dump(command.CgroupId);
        output.WriteLine($"{history.Count} syscalls kept in 1 page per CPU");
        var numbers = history.Where(r => r.Number == WriteNumber)
            .Select(r => int.Parse(Encoding.ASCII.GetString(r.Captured.Single(c => c.Index == 1).Data.Span).Trim()))
            .ToList();
        output.WriteLine($"echo numbers kept: {numbers.First()}..{numbers.Last()} ({numbers.Count})");

        // It wrapped: the beginning is gone.
        Assert.InRange(numbers.Count, 5, Count - 1);
        // What is left is the newest, contiguous, ending with the last one.
        Assert.Equal(Count - 1, numbers[^1]);
        Assert.Equal(Enumerable.Range(numbers[0], numbers.Count), numbers);
        Assert.Equal(ExitGroupNumber, history[^1].Number);
        Assert.Null(history[^1].ReturnValue);
        // Every other syscall in the window has both its entry and its return, in time order.
        Assert.All(history.Take(history.Count - 1), r => Assert.NotNull(r.ReturnValue));
        Assert.True(history.Zip(history.Skip(1)).All(p => p.First.TimestampNs <= p.Second.TimestampNs));
    }

    [Fact]
    public async Task ANoisyCgroupDoesNotOverwriteAQuietOnesHistory()
    {
        // The noisy one has a small ring (2 pages per CPU) that it wraps many times; the quiet one's is big enough for all it does.
        await using var tracer = TraceloopTracer.Start(new TraceloopOptions { PagesPerCpu = 2 });
        await using var quiet = TracedCommand.Start(
            tracer, "/bin/busybox", ["sh", "-c", "echo quiet-marker-1 > /dev/null; echo quiet-marker-2 > /dev/null; sleep 30"], redirectOutput: true, pagesPerCpu: 64);
        await using var noisy = TracedCommand.Start(
            tracer, "/bin/busybox", ["sh", "-c", "while true; do echo noisy > /dev/null; done"], redirectOutput: true);

        // Let the noisy one wrap its ring many times over.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        IReadOnlyList<SyscallRecord> noisyHistory;
        do
        {
            await Task.Delay(300);
            noisyHistory = tracer.Dump(noisy.CgroupId);
        }
        while (noisyHistory.Count(r => r.Number == 59) > 0 && DateTime.UtcNow < deadline);
        Assert.DoesNotContain(noisyHistory, r => r.Number == 59); // its execve was overwritten long ago

        var quietHistory = quiet.Dump();
        foreach (var r in quietHistory)
        {
            output.WriteLine($"quiet: {r.ProcessId} [{r.Number}] = {r.ReturnValue} captured {r.Captured.Count}");
        }
        var writes = quietHistory.Where(r => r.Number == WriteNumber).Select(r => Encoding.ASCII.GetString(r.Captured.Single(c => c.Index == 1).Data.Span)).ToList();
        Assert.Equal(["quiet-marker-1\n", "quiet-marker-2\n"], writes);
        Assert.Equal(59, quietHistory[0].Number); // from its execve on, nothing lost
        Assert.All(quietHistory, r => Assert.Equal(quiet.ProcessId, r.ProcessId));
        // The quiet one is asleep in its last syscall: recorded as not returned.
        Assert.Null(quietHistory[^1].ReturnValue);
        Assert.All(noisyHistory, r => Assert.NotEqual(quiet.ProcessId, r.ProcessId));
        output.WriteLine($"quiet: {quietHistory.Count} syscalls, noisy: {noisyHistory.Count} kept");
    }

    [Fact]
    public async Task ASyscallThatBlocksIsInTheDumpOnceWithoutAReturn()
    {
        // Nothing else of the cgroup runs: the sleep's syscall stays open in the kernel's per-CPU buffer, not in the ring.
        await using var tracer = TraceloopTracer.Start();
        await using var command = TracedCommand.Start(tracer, "/bin/busybox", ["sleep", "30"], redirectOutput: true);
        var table = Decoding.SyscallCatalog.Current.Table;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        SyscallHistory history;
        do
        {
            await Task.Delay(100);
            history = command.Dump();
        }
        while (!(history.Count > 0 && table.GetName(history[^1].Number) is "nanosleep" or "clock_nanosleep") && DateTime.UtcNow < deadline);

        foreach (var r in history)
        {
            output.WriteLine($"{r.TimestampNs} {r.ThreadId} {table.GetName(r.Number)} = {r.ReturnValue}");
        }
        var sleep = history[^1];
        Assert.Contains(table.GetName(sleep.Number), (string[])["nanosleep", "clock_nanosleep"]);
        Assert.Null(sleep.ReturnValue);
        Assert.Equal(command.ProcessId, sleep.ProcessId);
        Assert.Equal("execve", table.GetName(history[0].Number));
        // Every syscall once, and every one but the last returned.
        Assert.Equal(history.Count, history.Select(r => (r.ThreadId, r.TimestampNs)).Distinct().Count());
        Assert.All(history.Take(history.Count - 1), r => Assert.NotNull(r.ReturnValue));
    }

    [Fact]
    public void RingsAndTheTracerReleaseEveryFileDescriptor()
    {
        using (TraceloopTracer.Start())
        {
            // Warm up what stays open for the process's lifetime (libbpf's BTF, tracefs probes, the runtime's own).
        }
        var before = BpfAndPerfFds();
        using (var tracer = TraceloopTracer.Start(new TraceloopOptions { PagesPerCpu = 4 }))
        {
            Assert.True(tracer.AddCgroup(1001));
            Assert.False(tracer.AddCgroup(1001)); // a second reference on the same ring
            Assert.True(tracer.AddCgroup(1002));
            Assert.True(tracer.StopRecording(1002));
            Assert.False(tracer.IsRecording(1002));
            Assert.Empty(tracer.Dump(1002));
            Assert.True(tracer.RemoveCgroup(1001));
            Assert.True(tracer.IsRecording(1001)); // one reference left: still recording
            Assert.True(tracer.RemoveCgroup(1001));
            Assert.False(tracer.RemoveCgroup(1001));
            Assert.Throws<KeyNotFoundException>(() => tracer.Dump(1001));
            Assert.Equal([1002UL], tracer.Cgroups);
            Assert.True(BpfAndPerfFds() > before);
        }
        Assert.Equal(before, BpfAndPerfFds());
    }

    /// <summary>This process's fds on BPF objects and perf events (other tests' processes and pipes come and go meanwhile).</summary>
    private static int BpfAndPerfFds() =>
        Directory.GetFileSystemEntries("/proc/self/fd")
            .Select(f => { try { return new FileInfo(f).LinkTarget ?? string.Empty; } catch (IOException) { return string.Empty; } })
            .Count(t => t.StartsWith("anon_inode:bpf", StringComparison.Ordinal) || t.StartsWith("anon_inode:[perf_event]", StringComparison.Ordinal));
}
