using Xunit.Abstractions;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// When the kernel reads the clock at a syscall's exit: only when the thread was switched out during the call, unless
/// <see cref="TraceloopOptions.ExitTimestamps"/> asks for every call (bpf/traceloop.bpf.c, current_sched_marks).
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
