using Gadget.Containers.Tests;
using System.Text.Json.Nodes;
using Gadget.Containers;

namespace Gadget.Gadgets.Tests;

[Collection("gadgets")]
public sealed class OomKillTests
{
    private const long MemoryLimit = 32L << 20;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ContainerOverItsMemoryLimitIsKilledAndReported_OthersStayInTheKernel()
    {
        await using var containers = new ContainerCollection();
        var selectedId = RuncContainer.NewId("oom-sel");
        var otherId = RuncContainer.NewId("oom-other");
        await using var oom = OomKill.Start(new GadgetOptions { Containers = containers, Selector = new ContainerSelector { IdPrefix = selectedId } });
        await using var events = new EventCollector<OomKillEvent>(oom.ReadAsync());

        // busybox tail keeps the last 10 lines of /dev/zero, which has no newline: it grows until the limit.
        string[] hog = ["sh", "-c", "sleep 0.5; /bin/busybox tail /dev/zero"];
        using var selected = RuncContainer.Create(selectedId, hog, configure: LimitMemory);
        using var other = RuncContainer.Create(otherId, hog, configure: LimitMemory);

        var killed = await events.WaitForAsync(e => e.Container?.Id == selectedId, Timeout);
        Assert.True(other.WaitStopped(Timeout), "the unselected container was not OOM-killed");
        Assert.True(selected.WaitStopped(Timeout));
        await Task.Delay(300);

        Assert.NotNull(killed);
        Assert.Equal("busybox", killed.VictimComm);
        Assert.Equal(selectedId, killed.TriggerContainer?.Id);
        Assert.Equal("busybox", killed.TriggerComm);
        Assert.Equal(killed.Container!.CgroupId, killed.VictimCgroupId);
        Assert.Contains(selectedId, killed.MemoryCgroup, StringComparison.Ordinal);
        // The victim held about the limit in anonymous memory (pages of 4 KiB).
        Assert.InRange(killed.AnonRssPages * 4096, MemoryLimit / 2, MemoryLimit * 2);
        Assert.True(killed.TotalVmPages * 4096 >= (ulong)(MemoryLimit / 2));
        Assert.All(events.Snapshot(), e => Assert.Equal(selectedId, e.Container?.Id));
    }

    private static void LimitMemory(JsonObject config)
    {
        var linux = config["linux"]!.AsObject();
        linux["resources"] ??= new JsonObject();
        linux["resources"]!["memory"] = new JsonObject { ["limit"] = MemoryLimit, ["swap"] = MemoryLimit };
    }
}
