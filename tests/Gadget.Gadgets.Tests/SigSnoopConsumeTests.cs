using System.Diagnostics;
using System.Globalization;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// <see cref="SigSnoop"/> read in place: real signals this test has <c>/bin/kill</c> send to sleeping processes arrive as
/// <see cref="SignalEventView"/>s with the sender, target and signal the test caused, reading allocates nothing, and
/// <see cref="SignalEventView.ToEvent"/> is what a second gadget's ReadAsync gives.
/// </summary>
[Collection("gadgets")]
public sealed class SigSnoopConsumeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SignalsAreSeenInPlace_WithoutAllocating_AndToEventIsWhatReadAsyncGives()
    {
        await using var checking = SigSnoop.Start(new GadgetOptions());
        await using var converting = SigSnoop.Start(new GadgetOptions());
        await using var reading = SigSnoop.Start(new GadgetOptions());
        await using var read = new EventCollector<SignalEvent>(reading.ReadAsync());
        (string Name, int Number)[] signals = [("TERM", 15), ("KILL", 9), ("USR1", 10)];
        var victims = new int[signals.Length];
        var senders = new int[signals.Length];
        for (var i = 0; i < signals.Length; i++)
        {
            using var victim = Process.Start(new ProcessStartInfo("/bin/sleep", "30") { UseShellExecute = false })!;
            victims[i] = victim.Id;
            (senders[i], var exitCode) = Processes.Run("/bin/kill", "-" + signals[i].Name, victim.Id.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(0, exitCode);
            Assert.True(victim.WaitForExit(10_000));
        }
        var numbers = signals.Select(s => s.Number).ToArray();

        var checks = new Checks(victims, senders, numbers);
        var allocated = await ViewReading.ConsumeUntilAsync(checking, checks, () => checks.Seen == victims.Length);
        var converted = new ViewReading.Collector<SignalEvent, SignalEventView>(v => senders.Contains(v.Sender.Pid) && victims.Contains(v.TargetPid), v => v.ToEvent());
        await ViewReading.ConsumeUntilAsync(converting, converted, () => converted.Events.Count == victims.Length);

        Assert.Equal(victims.Length, checks.Seen);
        Assert.Equal(0, checks.Mismatches);
        Assert.Equal(0, allocated);
        Assert.Equal(victims, converted.Events.Select(e => e.TargetPid));
        Assert.Equal(["SIGTERM", "SIGKILL", "SIGUSR1"], converted.Events.Select(e => e.SignalName));
        foreach (var viewed in converted.Events)
        {
            var fromRead = await read.WaitForAsync(e => e.TargetPid == viewed.TargetPid && e.SenderPid == viewed.SenderPid, Timeout);
            Assert.NotNull(fromRead);
            // Two gadgets, two BPF programs: each read the clock itself, the rest is the same.
            Assert.True((viewed.Timestamp - fromRead.Timestamp).Duration() < TimeSpan.FromSeconds(1));
            Assert.Equal(fromRead with { Timestamp = default }, viewed with { Timestamp = default });
        }
    }

    // Checks each signal /bin/kill sent to a victim of the test in place; keeps nothing but counts (no allocation).
    private sealed class Checks(int[] victims, int[] senders, int[] signals) : IEventViewHandler<SignalEventView>
    {
        public int Seen { get; private set; }

        public int Mismatches { get; private set; }

        public void OnEvent(in SignalEventView signal)
        {
            var sender = signal.Sender;
            var index = Array.IndexOf(victims, signal.TargetPid);
            if (index < 0 || sender.Pid != senders[index])
            {
                return;
            }
            Seen++;
            if (!sender.CommUtf8.SequenceEqual("kill"u8) || sender.ParentPid != Environment.ProcessId || sender.Tid != sender.Pid
                || !signal.TargetCommUtf8.SequenceEqual("sleep"u8) || signal.Signal != signals[index] || !signal.ToThreadGroup
                || signal.Result != SignalResult.Delivered || signal.Container is not null || signal.SenderCgroupId == 0 || signal.TargetCgroupId == 0
                || (signal.Timestamp - DateTimeOffset.UtcNow).Duration() > Timeout)
            {
                Mismatches++;
            }
        }
    }
}
