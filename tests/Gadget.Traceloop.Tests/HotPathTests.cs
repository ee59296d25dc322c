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
