using Xunit.Abstractions;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// When the kernel reads the clock at a syscall's exit: only when the thread was switched out during the call, unless
/// the recording asks for every call (<see cref="TraceloopOptions.ExitTimestamps"/>, the default, or per recording:
/// <see cref="TraceloopTracer.AddCgroup(ulong, int?, bool)"/>; bpf/traceloop.bpf.c, current_sched_marks).
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class ExitTimestampTests(ITestOutputHelper output)
{
    private const long SleepNs = 200_000_000;

    // A sleep (it blocks: switched out) between short calls that hold their CPU (the shell's builtin read of a small file:
    // openat, read, close).
    private const string Script = "for i in 1 2 3 4 5 6 7 8 9 10; do read x < /etc/hostname; done; busybox sleep 0.2; for i in 1 2 3 4 5 6 7 8 9 10; do read x < /etc/hostname; done";

    [Fact]
    public async Task ACallThatBlockedHasItsExitTimeAndCallsThatHeldTheirCpuNeedNone()
    {
        var history = await Record(new TraceloopOptions());

        var sleep = SleepCall(history);
        Assert.True(sleep.ExitTimestampNs >= sleep.TimestampNs + SleepNs,
            $"the sleep entered at {sleep.TimestampNs} has exit time {sleep.ExitTimestampNs?.ToString() ?? "none"}: a call that blocked for 0.2 s must have one 0.2 s later");
        var returned = history.Where(r => r.ReturnValue is not null).ToList();
        var unclocked = returned.Count(r => r.ExitTimestampNs is null);
        output.WriteLine($"{returned.Count} calls returned, {unclocked} without an exit time (they held their CPU)");
        Assert.True(unclocked > 0, "every returned call has an exit time: the exit's clock read was not spared once");
        Assert.All(returned.Where(r => r.ExitTimestampNs is not null), r => Assert.True(r.ExitTimestampNs >= r.TimestampNs, $"{r.Number} returned at {r.ExitTimestampNs}, before it entered at {r.TimestampNs}"));
        Assert.All(history.Where(r => r.ReturnValue is null), r => Assert.Null(r.ExitTimestampNs));
    }

    [Fact]
    public async Task WithExitTimestampsEveryReturnedCallHasItsExitTime()
    {
        var history = await Record(new TraceloopOptions { ExitTimestamps = true });

        var sleep = SleepCall(history);
        Assert.True(sleep.ExitTimestampNs >= sleep.TimestampNs + SleepNs, $"the sleep's exit time is {sleep.ExitTimestampNs?.ToString() ?? "none"}");
        var returned = history.Where(r => r.ReturnValue is not null).ToList();
        Assert.True(returned.Count > 20, $"only {returned.Count} calls returned");
        Assert.All(returned, r => Assert.True(r.ExitTimestampNs >= r.TimestampNs, $"{r.Number} entered at {r.TimestampNs} has exit time {r.ExitTimestampNs?.ToString() ?? "none"}"));
    }

    [Fact]
    public async Task OneTracerRecordsOneCommandWithExitTimestampsAndAnotherWithout()
    {
        // The tracer's default is off: the choice is each recording's (a bit of its cgroup's entry read at run time).
        await using var tracer = TraceloopTracer.Start(new TraceloopOptions());
        await using var clocked = TracedCommand.Prepare(tracer, "/bin/busybox", ["sh", "-c", Script], new TracedCommandOptions { RedirectOutput = true, ExitTimestamps = true });
        await using var plain = TracedCommand.Prepare(tracer, "/bin/busybox", ["sh", "-c", Script], new TracedCommandOptions { RedirectOutput = true });
        clocked.Start();
        plain.Start();
        Assert.Equal(0, await clocked.WaitForExitAsync());
        Assert.Equal(0, await plain.WaitForExitAsync());

        var with = Returned(clocked.Dump());
        var without = Returned(plain.Dump());
        output.WriteLine($"with: {with.Count} returned calls, {with.Count(r => r.ExitTimestampNs is null)} without an exit time; without: {without.Count}, {without.Count(r => r.ExitTimestampNs is null)}");
        Assert.True(with.Count > 20, $"only {with.Count} calls returned");
        Assert.All(with, r => Assert.True(r.ExitTimestampNs >= r.TimestampNs, $"{r.Number} entered at {r.TimestampNs} has exit time {r.ExitTimestampNs?.ToString() ?? "none"}"));
        Assert.Contains(without, r => r.ExitTimestampNs is null);
    }

    [Fact]
    public async Task ASharedRingTimesEveryExitOnlyWhileAHolderThatAskedForItRemains()
    {
        var marker = Path.Combine(Path.GetTempPath(), "gadget-exit-clock-" + Guid.NewGuid().ToString("N")[..12]);
        // Short calls, then a wait for the test to release the holder that asked for exit timestamps, then short calls again.
        var script = $"for i in 1 2 3 4 5 6 7 8 9 10; do read x < /etc/hostname; done; : > {marker}.1; " +
            $"while [ ! -e {marker}.2 ]; do busybox sleep 0.02; done; for i in 1 2 3 4 5 6 7 8 9 10; do read x < /etc/hostname; done";
        try
        {
            await using var tracer = TraceloopTracer.Start(new TraceloopOptions());
            await using var command = TracedCommand.Prepare(tracer, "/bin/busybox", ["sh", "-c", script], new TracedCommandOptions { RedirectOutput = true });
            // A second holder of the command's ring (an overlapping recording), which asks for every exit's time.
            Assert.False(tracer.AddCgroup(command.CgroupId, null, exitTimestamps: true));
            command.Start();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!File.Exists(marker + ".1"))
            {
                Assert.True(DateTime.UtcNow < deadline, "the command did not reach its wait");
                await Task.Delay(10);
            }
            var released = Gadget.Bpf.BpfEnvironment.BootTimeNanoseconds;
            Assert.True(tracer.RemoveCgroup(command.CgroupId, exitTimestamps: true));
            var after = Gadget.Bpf.BpfEnvironment.BootTimeNanoseconds;
            Assert.True(tracer.IsRecording(command.CgroupId), "the other holder's recording stopped");
            await File.WriteAllTextAsync(marker + ".2", "");
            Assert.Equal(0, await command.WaitForExitAsync());

            var returned = Returned(command.Dump());
            var before = returned.Where(r => r.TimestampNs < released).ToList();
            var later = returned.Where(r => r.TimestampNs > after).ToList();
            output.WriteLine($"before the release: {before.Count} returned calls; after: {later.Count}, {later.Count(r => r.ExitTimestampNs is null)} without an exit time");
            Assert.True(before.Count > 20, $"only {before.Count} calls returned before the release");
            Assert.All(before, r => Assert.True(r.ExitTimestampNs >= r.TimestampNs, $"{r.Number} entered at {r.TimestampNs}, before the release, has exit time {r.ExitTimestampNs?.ToString() ?? "none"}"));
            Assert.Contains(later, r => r.ExitTimestampNs is null);
        }
        finally
        {
            File.Delete(marker + ".1");
            File.Delete(marker + ".2");
        }
    }

    private static List<SyscallRecord> Returned(SyscallHistory history)
    {
        Assert.True(history.IsComplete, "the command's history wrapped");
        return history.Where(r => r.ReturnValue is not null).ToList();
    }

    private static async Task<SyscallHistory> Record(TraceloopOptions options)
    {
        await using var tracer = TraceloopTracer.Start(options);
        await using var command = TracedCommand.Start(tracer, "/bin/busybox", ["sh", "-c", Script], redirectOutput: true);
        Assert.Equal(0, await command.WaitForExitAsync());
        var history = command.Dump();
        Assert.True(history.IsComplete, "the command's history wrapped");
        return history;
    }

    private static SyscallRecord SleepCall(SyscallHistory history)
    {
        var table = Decoding.SyscallCatalog.Current.Table;
        return Assert.Single(history, r => table.GetDisplayName(r) is "nanosleep" or "clock_nanosleep" && r.ReturnValue == 0);
    }
}
