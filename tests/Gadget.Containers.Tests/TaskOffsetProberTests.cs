namespace Gadget.Containers.Tests;

public sealed class TaskOffsetProberTests
{
    [Fact]
    public void ProbedOffsetsEqualWhatBtfSays()
    {
        var probed = TaskOffsetProber.Probe();
        using var probe = new TestProbe();
        Assert.Equal(probe.BtfOffsets(), probed);
    }

    [Fact]
    public async Task ProbedOffsetsAttributeContainerEventsLikeTheCgroupId()
    {
        var offsets = TaskOffsetProber.Probe();
        using var probe = new TestProbe(offsets);
        using var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = Timeout.InfiniteTimeSpan });
        var ids = new[] { RuncContainer.NewId("offs-a"), RuncContainer.NewId("offs-b") };
        using var first = RuncContainer.Create(ids[0], ["sh", "-c", "sleep 30"]);
        using var second = RuncContainer.Create(ids[1], ["sh", "-c", "sleep 30"]);
        foreach (var id in ids)
        {
            var container = await collection.WaitForContainerAsync(c => c.Id == id, TimeSpan.FromSeconds(15));
            Assert.NotNull(container);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (probe.Identity(container.Pid) is null && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
            var seen = probe.Identity(container.Pid);
            Assert.NotNull(seen);
            Assert.Equal(container.MountNamespaceId, seen.Value.RawMountNamespace);
            Assert.Same(collection.GetByCgroupId(seen.Value.CgroupId), collection.GetByMountNamespace(seen.Value.RawMountNamespace));
            Assert.Same(container, collection.GetByMountNamespace(seen.Value.RawMountNamespace));
        }
    }
}
