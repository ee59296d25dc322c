using System.Diagnostics;

namespace Gadget.Containers.Tests;

/// <summary>
/// A cgroup directory's name is chosen by whoever creates it (a user's delegated subtree, systemd's user@.service): a
/// process that execs in one, in a mount namespace of its own, is registered by that name. Such a name must not take the
/// place of the container whose id it copies.
/// </summary>
public sealed class CgroupNameImpostorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task ACgroupNamedAfterAContainerDoesNotKeepThatContainerOut()
    {
        var id = RuncContainer.NewId("victim");
        var subtree = Path.Combine(ProcessInspector.Cgroup2MountPoint, "gadget-user-" + Guid.NewGuid().ToString("N")[..12]);
        var impostorCgroup = Path.Combine(subtree, id);
        var log = new TestLogger();
        using var collection = new ContainerCollection(new ContainerCollectionOptions
        {
            RescanInterval = TimeSpan.FromMilliseconds(200),
            StateWaitTimeout = TimeSpan.FromMilliseconds(200),
            Logger = log,
        });
        Directory.CreateDirectory(impostorCgroup);
        Process? impostor = null;
        RuncContainer? victim = null;
        try
        {
            var impostorCgroupId = Kernel.Inode(impostorCgroup);
            impostor = Process.Start(new ProcessStartInfo("sh", ["-c", $"echo $$ > {impostorCgroup}/cgroup.procs && exec unshare -m sleep 60"]))!;
            var guessed = await collection.WaitForContainerAsync(c => c.CgroupId == impostorCgroupId, Patience);
            Assert.True(guessed is not null, log.ToString());
            Assert.Equal(id, guessed.Id);

            victim = RuncContainer.Run(id, ["sleep", "60"]);
            var pid = victim.Pid;
            var real = await collection.WaitForContainerAsync(c => c.Pid == pid, Patience);
            Assert.True(real is not null, $"the runc container {id} (pid {pid}) was never registered; known: {string.Join("; ", collection.Containers)}\n{log}");
            Assert.Equal(ContainerRuntime.Runc, real.Runtime);
            Assert.Same(real, collection.GetById(id));
            Assert.NotEqual(impostorCgroupId, real.CgroupId);
        }
        finally
        {
            victim?.Dispose();
            if (impostor is not null)
            {
                impostor.Kill(entireProcessTree: true);
                impostor.WaitForExit();
                impostor.Dispose();
            }
            for (var attempt = 0; attempt < 50 && Directory.Exists(impostorCgroup); attempt++)
            {
                try
                {
                    Directory.Delete(impostorCgroup);
                    Directory.Delete(subtree);
                }
                catch (IOException)
                {
                    await Task.Delay(100);
                }
            }
        }
    }
}
