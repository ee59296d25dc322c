using System.Diagnostics;

namespace Gadget.Containers.Tests;

/// <summary>
/// Any user with a delegated cgroup subtree (under systemd, every logged-in user) can make and remove cgroups by the
/// thousand. The kernel's container events share one ring: a flood of another user's cgroup events must not take the
/// room the runtimes' events (a container's exec, its init's exit) need, and a container started meanwhile is registered.
/// </summary>
public sealed class UnprivilegedCgroupFloodTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Nobody = 65534;
    private const int Flood = 17_000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AUsersFloodOfCgroups_DropsNoContainerEvent()
    {
        var log = new TestLogger();
        using var collection = new ContainerCollection(new ContainerCollectionOptions { Logger = log });
        var kernel = collection.Kernel;
        Assert.NotNull(kernel);
        var delegated = Path.Combine(ProcessInspector.Cgroup2MountPoint, "gadget-delegated-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(delegated);
        RuncContainer? container = null;
        try
        {
            Assert.Equal(0, HostCommand.Run("chown", $"{Nobody}:{Nobody}", delegated));
            var id = RuncContainer.NewId("flood");
            // A reader that has fallen behind (paused here, so that the ring fills whatever this machine's speed), the
            // user's flood, then a container started by root: its events must still find room.
            kernel.Pump.Pause();
            await Task.Delay(200);
            Assert.Equal(0, HostCommand.Run("setpriv", "--reuid", $"{Nobody}", "--regid", $"{Nobody}", "--clear-groups", "sh", "-c",
                $"cd {delegated} && mkdir $(seq -f flood-%g 1 {Flood}) && rmdir flood-*"));
            container = RuncContainer.Run(id, ["sleep", "60"]);
            var pid = container.Pid;
            kernel.Pump.Resume();

            var registered = await collection.WaitForContainerAsync(c => c.Pid == pid, Patience);

            output.WriteLine($"{Flood} mkdirs and as many rmdirs by uid {Nobody}: {kernel.UserEventsSkipped} of their events not sent, {kernel.EventsDropped} dropped");
            Assert.True(registered is not null, $"{id} (pid {pid}) was never registered\n{log}");
            Assert.Equal(0UL, kernel.EventsDropped);
            Assert.True(kernel.UserEventsSkipped > 0, "the flood never filled half of the ring: the test proves nothing");
        }
        finally
        {
            container?.Dispose();
            HostCommand.Run("sh", "-c", $"cd {delegated} && rmdir flood-* 2>/dev/null; cd / && rmdir {delegated}");
        }
    }
}
