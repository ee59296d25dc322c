namespace Gadget.Gadgets.Tests;

/// <summary>
/// <see cref="ExitSnoop"/> read in place: real exits of shells this test runs (<c>exit 7</c>, and one that kills itself
/// with SIGKILL) arrive as <see cref="ExitEventView"/>s with the pid, parent, comm and wait status the test caused,
/// reading allocates nothing, and <see cref="ExitEventView.ToEvent"/> is what a second gadget's ReadAsync gives.
/// </summary>
[Collection("gadgets")]
public sealed class ExitSnoopConsumeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ExitsAreSeenInPlace_WithoutAllocating_AndToEventIsWhatReadAsyncGives()
    {
        await using var checking = ExitSnoop.Start(new GadgetOptions());
        await using var converting = ExitSnoop.Start(new GadgetOptions());
        await using var reading = ExitSnoop.Start(new GadgetOptions());
        await using var read = new EventCollector<ExitEvent>(reading.ReadAsync());
        string[] scripts = ["exit 7", "exit 7", "exit 7", "kill -KILL $$"];
        var pids = new int[scripts.Length];
        var statuses = new int[scripts.Length];
        for (var i = 0; i < scripts.Length; i++)
        {
            (pids[i], var exitCode) = Processes.Run("/bin/sh", "-c", scripts[i]);
            statuses[i] = exitCode == 137 ? 9 : exitCode << 8; // .NET gives 128 + the signal for a killed child
        }
        Assert.Equal([7 << 8, 7 << 8, 7 << 8, 9], statuses);

        var checks = new Checks(pids, statuses);
        var allocated = await ViewReading.ConsumeUntilAsync(checking, checks, () => checks.Seen == pids.Length);
        var converted = new ViewReading.Collector<ExitEvent, ExitEventView>(v => pids.Contains(v.Process.Pid), v => v.ToEvent());
        await ViewReading.ConsumeUntilAsync(converting, converted, () => converted.Events.Count == pids.Length);

        Assert.Equal(pids.Length, checks.Seen);
        Assert.Equal(0, checks.Mismatches);
        Assert.Equal(0, allocated);
        Assert.Equal(pids, converted.Events.Select(e => e.Pid));
        foreach (var viewed in converted.Events)
        {
            var fromRead = await read.WaitForAsync(e => e.Pid == viewed.Pid, Timeout);
            Assert.NotNull(fromRead);
            // Two gadgets, two BPF programs: each read the clock itself, the rest is the same.
            Assert.True((viewed.Timestamp - fromRead.Timestamp).Duration() < TimeSpan.FromSeconds(1));
            Assert.Equal(fromRead with { Timestamp = default, Lifetime = default }, viewed with { Timestamp = default, Lifetime = default });
        }
        var killed = converted.Events[^1];
        Assert.Equal((null, 9, "SIGKILL", false), (killed.ExitCode, killed.Signal, killed.SignalName, killed.CoreDumped));
        Assert.Equal((7, null), (converted.Events[0].ExitCode, converted.Events[0].Signal));
    }

    // Checks each exit of the test's shells in place; keeps nothing but counts (no allocation).
    private sealed class Checks(int[] pids, int[] statuses) : IEventViewHandler<ExitEventView>
    {
        public int Seen { get; private set; }

        public int Mismatches { get; private set; }

        public void OnEvent(in ExitEventView exit)
        {
            var process = exit.Process;
            var index = Array.IndexOf(pids, process.Pid);
            if (index < 0)
            {
                return;
            }
            Seen++;
            var signal = statuses[index] & 0x7f;
            if (!process.CommUtf8.SequenceEqual("sh"u8) || process.ParentPid != Environment.ProcessId || process.Tid != process.Pid
                || exit.ExitStatus != statuses[index] || exit.Signal != (signal == 0 ? null : signal) || exit.ExitCode != (signal == 0 ? statuses[index] >> 8 : null)
                || exit.CoreDumped || exit.Lifetime <= TimeSpan.Zero || exit.Lifetime > Timeout || exit.Container is not null || exit.CgroupId == 0
                || (exit.Timestamp - DateTimeOffset.UtcNow).Duration() > Timeout)
            {
                Mismatches++;
            }
        }
    }
}
