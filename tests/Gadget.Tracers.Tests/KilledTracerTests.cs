using Gadget.Containers;
using Gadget.Containers.Tests;
using Gadget.Traceloop;
using Gadget.Traceloop.Decoding;
using Xunit.Abstractions;

namespace Gadget.Tracers.Tests;

/// <summary>A tracer killed with SIGKILL while containers start: nothing of it can hold a process, and the others record on.</summary>
[Collection(KernelCollection.Name)]
public sealed class KilledTracerTests(ITestOutputHelper output)
{
    private const int Rounds = 50;

    [Fact]
    public async Task ATracerKilledAtRandomPointsOfContainerStartsLeavesNoProcessStoppedAndAnotherKeepsRecording()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var prefix = RuncContainer.NewId("kill");
        await using var tracer = TraceloopTracer.Start();
        await using var collection = new ContainerCollection();
        using var survivor = tracer.Follow(collection, new ContainerSelector { IdPrefix = prefix });
        var formatter = new SyscallFormatter();
        var killedWhileRecording = 0;

        for (var round = 0; round < Rounds; round++)
        {
            var id = $"{prefix}-{round:D2}";
            using var watch = WatchProcess.Launch("--id", prefix);
            var startAfter = random.Next(0, 1200);
            var killAfter = random.Next(0, 2000);
            var starting = Task.Run(async () =>
            {
                await Task.Delay(startAfter);
                return MarkerContainer.Start(id);
            });
            await Task.Delay(killAfter);
            if (watch.Error.Contains("recording containers", StringComparison.Ordinal))
            {
                killedWhileRecording++;
            }
            watch.KillHard();
            using var container = await starting;
            var pid = container.Pid;
            Assert.True(pid > 0, $"round {round}: {id} is not running: {container.Output}");

            // No process of the container is stopped, now or a little later (a stop sent by the dead tracer would show).
            for (var check = 0; check < 5; check++)
            {
                var stopped = ProcessStates.Stopped([pid]);
                Assert.True(stopped.Count == 0, $"round {round} (start after {startAfter} ms, kill after {killAfter} ms): stopped: {string.Join(", ", stopped)}");
                await Task.Delay(50);
            }

            // The surviving tracer recorded the container from its execve.
            var marker = MarkerContainer.MarkerPath(id);
            IReadOnlyList<HistoryLine>? history = null;
            for (var wait = 0; wait < 100 && history is null; wait++)
            {
                try
                {
                    var h = survivor.Dump(id);
                    if (h.Any(r => r.ProcessId == pid && formatter.Format(r).Contains(marker, StringComparison.Ordinal)))
                    {
                        history = [.. h.Select(r => HistoryLine.From(r, formatter))];
                    }
                }
                catch (KeyNotFoundException)
                {
                }
                if (history is null)
                {
                    await Task.Delay(100);
                }
            }
            Assert.True(history is not null, $"round {round}: the surviving tracer never showed {marker}");
            HistoryLine.AssertStartsWithExecveThenMarker(history, pid, marker, $"round {round}");
            container.Kill();
            Assert.True(container.WaitStopped(TimeSpan.FromSeconds(10)));
            survivor.Release(id);
        }
        output.WriteLine($"{Rounds} rounds; the killed watch had started recording in {killedWhileRecording} of them");
    }
}
