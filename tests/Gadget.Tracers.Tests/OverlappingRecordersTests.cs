using Gadget.Containers;
using Gadget.Containers.Tests;
using Gadget.Traceloop;

namespace Gadget.Tracers.Tests;

/// <summary>Two recorders of one tracer select the same container (two agent traces that overlap): they share its ring.</summary>
[Collection(KernelCollection.Name)]
public sealed class OverlappingRecordersTests
{
    [Fact]
    public async Task StoppingOneOfTwoRecordersOfAContainerLeavesTheOtherItsWholeHistory()
    {
        var prefix = RuncContainer.NewId("overlap");
        await using var tracer = TraceloopTracer.Start();
        await using var collection = new ContainerCollection();
        var first = tracer.Follow(collection, new ContainerSelector { IdPrefix = prefix });
        using var second = tracer.Follow(collection, new ContainerSelector { IdPrefix = prefix });
        using var container = MarkerContainer.Start(prefix + "-a");
        var marker = MarkerContainer.MarkerPath(container.Id);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(Holds(first, container.Id, marker) && Holds(second, container.Id, marker)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.True(Holds(first, container.Id, marker) && Holds(second, container.Id, marker), "both recorders record the container");
        var cgroup = collection.GetById(container.Id)!.CgroupId;

        first.Dispose();

        Assert.True(tracer.IsRecording(cgroup));
        Assert.True(Holds(second, container.Id, marker), "the second recorder lost the history when the first stopped");
        Assert.True(second.Release(container.Id));
        await Task.Delay(300); // the tracer's worker disposes released rings
        Assert.DoesNotContain(cgroup, tracer.Cgroups);
        Assert.False(tracer.IsRecording(cgroup));
    }

    [Fact]
    public async Task StoppingOneOfTwoOverlappingAgentTracesLeavesTheOtherTheContainersHistory()
    {
        var prefix = RuncContainer.NewId("overlap-agent");
        await using var agent = await AgentInProcess.StartAsync();
        var first = await agent.StartTraceAsync(prefix);
        await agent.StartTraceAsync(prefix);
        using var container = MarkerContainer.Start(prefix + "-a");
        var marker = MarkerContainer.MarkerPath(container.Id);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await agent.HistoryAsync(container.Id)).Text.Contains(marker, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        await agent.StopTraceAsync(first);

        var (ok, text) = await agent.HistoryAsync(container.Id);
        Assert.True(ok, "after the first trace stopped, the history answers: " + text);
        Assert.Contains(marker, text, StringComparison.Ordinal);
        HistoryLine.AssertStartsWithExecveThenMarker(HistoryLine.ParseJsonLines(text), container.Pid, marker, "the remaining trace");
    }

    private static bool Holds(ContainerRecorder recorder, string id, string marker)
    {
        try
        {
            var formatter = new Gadget.Traceloop.Decoding.SyscallFormatter();
            return recorder.Dump(id).Any(r => formatter.Format(r).Contains(marker, StringComparison.Ordinal));
        }
        catch (KeyNotFoundException)
        {
            return false;
        }
    }
}
