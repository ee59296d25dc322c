using System.Text;
using Gadget.Bpf;
using Xunit.Abstractions;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// What the BPF hot path's shortcuts must not change: each CPU caches its last cgroup's verdict (recorded or not), which
/// must follow user space's changes at once; data buffers are recorded up to <see cref="TraceloopOptions.BufferCaptureBytes"/>.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class HotPathTests(ITestOutputHelper output)
{
    private const int ReadNumber = 0;
    private const int WriteNumber = 1;

    [Fact]
    public async Task StoppingAndResumingARecordingTakesEffectAtOnceOnEveryCpu()
    {
        await using var tracer = TraceloopTracer.Start();
        // A busy loop of syscalls in one cgroup: a CPU it runs on keeps the cgroup's verdict cached while it runs there.
        await using var command = TracedCommand.Start(
            tracer, "/bin/busybox", ["sh", "-c", "while true; do echo x > /dev/null; done"], redirectOutput: true);
        ulong resumed = 0;
        for (var round = 0; round < 20; round++)
        {
            await WaitForWriteAfter(tracer, command.CgroupId, resumed);

            Assert.True(tracer.StopRecording(command.CgroupId));
            var stopped = BpfEnvironment.BootTimeNanoseconds;
            // The loop goes on (its CPU time grows: thousands of syscalls) while nothing of it may be recorded, except a
            // syscall whose program had looked up the cgroup before the stop and read the clock after it (a vCPU can be
            // paused between the two): at most one per CPU. A CPU that kept a stale verdict records the loop for as long
            // as it runs there (milliseconds).
            WaitForCpuTicks(command.ProcessId, 2);
            var late = tracer.Dump(command.CgroupId).Where(r => r.TimestampNs > stopped).ToList();
            Assert.True(late.Count <= Environment.ProcessorCount,
                $"round {round}: {late.Count} syscalls entered after StopRecording returned were recorded, up to {(late.Count > 0 ? late.Max(r => r.TimestampNs) - stopped : 0)} ns after");

            Assert.False(tracer.AddCgroup(command.CgroupId)); // kept: recording again
            resumed = BpfEnvironment.BootTimeNanoseconds;
        }
        await WaitForWriteAfter(tracer, command.CgroupId, resumed);
        output.WriteLine($"{tracer.Dump(command.CgroupId).Count} syscalls in the last history");
    }

    [Fact]
    public async Task ATaskMovedBetweenCgroupsIsRecordedFromItsNextSyscallAndNotAfterItLeaves()
    {
        // Each CPU caches the verdict of the last task that made a syscall there, keyed by the task's registers' address;
        // moving the task to another cgroup must end that verdict at once. A shell moves itself in and out of a recorded
        // cgroup, with builtins only (no fork, which would end the verdict for another reason), and opens a marker file
        // right after each move: every marker opened inside is recorded, none opened outside.
        const int Rounds = 20;
        var own = File.ReadAllLines("/proc/self/cgroup").Single(l => l.StartsWith("0::", StringComparison.Ordinal))[3..];
        var outsideCgroup = CgroupId.Cgroup2Root + own;
        var recordedCgroup = Path.Combine(CgroupId.Cgroup2Root, $"traceloop-moved-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        var markers = Directory.CreateTempSubdirectory("gadget-moved-");
        Directory.CreateDirectory(recordedCgroup);
        try
        {
            for (var k = 0; k < Rounds; k++)
            {
                await File.WriteAllTextAsync(Path.Combine(markers.FullName, $"inside-{k}"), "x\n");
                await File.WriteAllTextAsync(Path.Combine(markers.FullName, $"outside-{k}"), "x\n");
            }
            await using var tracer = TraceloopTracer.Start();
            var id = CgroupId.FromPath(recordedCgroup);
            tracer.AddCgroup(id, pagesPerCpu: 64); // every round's syscalls, none overwritten
            var script = $$"""
                k=0
                while [ $k -lt {{Rounds}} ]; do
                  echo $$ > {{outsideCgroup}}/cgroup.procs
                  read x < {{markers.FullName}}/outside-$k
                  echo $$ > {{recordedCgroup}}/cgroup.procs
                  read x < {{markers.FullName}}/inside-$k
                  k=$((k + 1))
                done
                echo $$ > {{outsideCgroup}}/cgroup.procs
                """;
            using var shell = System.Diagnostics.Process.Start("/bin/sh", ["-c", script]);
            await shell.WaitForExitAsync();
            Assert.Equal(0, shell.ExitCode);

            var history = tracer.Dump(id);
            output.WriteLine($"{history.Count} syscalls; {history.DescribeGaps()}");
            var opened = history
                .SelectMany(r => r.Captured.Where(c => c.Index == 1).Select(c => Encoding.ASCII.GetString(c.Data.Span).TrimEnd('\0')))
                .Where(path => path.StartsWith(markers.FullName, StringComparison.Ordinal))
                .Select(Path.GetFileName)
                .ToHashSet();
            output.WriteLine($"markers recorded: {string.Join(' ', opened.Order())}");
            for (var k = 0; k < Rounds; k++)
            {
                Assert.True(opened.Contains($"inside-{k}"), $"round {k}: the open right after moving into the recorded cgroup was not recorded");
                Assert.False(opened.Contains($"outside-{k}"), $"round {k}: the open right after moving out of the recorded cgroup was recorded");
            }
        }
        finally
        {
            Directory.Delete(recordedCgroup);
            markers.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task TheRecordedCommandNameFollowsRenamesAndExecs()
    {
        // Each CPU keeps the pid and comm of the last task that made a syscall there; a rename (a write to /proc/self/comm)
        // and an execve change the comm without a new task, and must show in the very next syscall's record.
        var markers = Directory.CreateTempSubdirectory("gadget-comm-");
        try
        {
            foreach (var name in (string[])["before", "renamed", "exec"])
            {
                await File.WriteAllTextAsync(Path.Combine(markers.FullName, name), "x\n");
            }
            await using var tracer = TraceloopTracer.Start();
            var m = markers.FullName;
            await using var command = TracedCommand.Start(tracer, "/bin/busybox",
                ["sh", "-c", $"read x < {m}/before; echo -n gadget-renamed > /proc/self/comm; read x < {m}/renamed; exec /bin/busybox sh -c 'read x < {m}/exec'"],
                redirectOutput: true);
            Assert.Equal(0, await command.WaitForExitAsync());

            var comms = command.Dump()
                .Select(r => (Record: r, Path: r.Captured.Where(c => c.Index == 1).Select(c => Encoding.ASCII.GetString(c.Data.Span).TrimEnd('\0')).FirstOrDefault()))
                .Where(x => x.Path is { } p && p.StartsWith(m, StringComparison.Ordinal))
                .ToDictionary(x => Path.GetFileName(x.Path!), x => (x.Record.Command, x.Record.ProcessId));
            output.WriteLine(string.Join(", ", comms.Select(c => $"{c.Key}: {c.Value.Command} ({c.Value.ProcessId})")));
            Assert.Equal("busybox", comms["before"].Command);
            Assert.Equal("gadget-renamed", comms["renamed"].Command);
            Assert.Equal("busybox", comms["exec"].Command);
            Assert.All(comms.Values, c => Assert.Equal(command.ProcessId, c.ProcessId));
        }
        finally
        {
            markers.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task DataBuffersAreRecordedUpToTheOptionsLimit()
    {
        var file = Path.Combine(Path.GetTempPath(), $"gadget-hotpath-{Environment.ProcessId}-{Guid.NewGuid():N}.txt");
        var content = string.Join(' ', Enumerable.Range(0, 20).Select(i => $"line {i:D3}")); // 179 bytes
        await File.WriteAllTextAsync(file, content);
        try
        {
            foreach (var limit in (int?[])[null, 256, 0])
            {
                await using var tracer = TraceloopTracer.Start(limit is { } l ? new TraceloopOptions { BufferCaptureBytes = l } : null);
                await using var command = TracedCommand.Start(
                    tracer, "/bin/busybox", ["sh", "-c", $"busybox dd if={file} of=/dev/null bs=4096 count=1 2>/dev/null; echo '{content}' > /dev/null"], redirectOutput: true);
                Assert.Equal(0, await command.WaitForExitAsync());
                var history = command.Dump();
                var expected = limit ?? 32;

                // read(fd, buf, n) = 179: the buffer the kernel filled (at exit).
                var read = history.Single(r => r.Number == ReadNumber && r.ReturnValue == content.Length);
                var readData = read.Captured.Single(c => c.Index == 1);
                // write(1, buf, 180): the buffer the process gave (at entry).
                var write = history.Single(r => r.Number == WriteNumber && r.ReturnValue == content.Length + 1);
                var writeData = write.Captured.Single(c => c.Index == 1);
                output.WriteLine($"limit {limit?.ToString() ?? "default"}: read {readData.Data.Length} bytes ({readData.Status}), write {writeData.Data.Length} bytes ({writeData.Status})");

                var readBytes = Math.Min(expected, content.Length);
                Assert.Equal(content[..readBytes], Encoding.ASCII.GetString(readData.Data.Span));
                Assert.Equal(readBytes < content.Length ? CaptureStatus.Truncated : CaptureStatus.Complete, readData.Status);
                var written = content + "\n";
                var writeBytes = Math.Min(expected, written.Length);
                Assert.Equal(written[..writeBytes], Encoding.ASCII.GetString(writeData.Data.Span));
                Assert.Equal(writeBytes < written.Length ? CaptureStatus.Truncated : CaptureStatus.Complete, writeData.Status);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void ABufferLimitOutsideZeroTo256IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TraceloopTracer.Start(new TraceloopOptions { BufferCaptureBytes = 257 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => TraceloopTracer.Start(new TraceloopOptions { BufferCaptureBytes = -1 }));
    }

    /// <summary>Until the cgroup's history holds a write entered after <paramref name="after"/> (boot ns).</summary>
    private static async Task WaitForWriteAfter(TraceloopTracer tracer, ulong cgroupId, ulong after)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!tracer.Dump(cgroupId).Any(r => r.Number == WriteNumber && r.TimestampNs > after))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no write recorded after {after} ns within 30 s");
            await Task.Delay(50);
        }
    }

    /// <summary>Until process <paramref name="pid"/> has run <paramref name="ticks"/> more clock ticks (user + system).</summary>
    private static void WaitForCpuTicks(int pid, long ticks)
    {
        var start = CpuTicks(pid);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (CpuTicks(pid) < start + ticks)
        {
            Assert.True(DateTime.UtcNow < deadline, "the loop did not run");
            Thread.Sleep(20);
        }
    }

    private static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
    }
}
