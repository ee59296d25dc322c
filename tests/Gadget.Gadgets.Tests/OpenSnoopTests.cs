using Gadget.Containers.Tests;
using Gadget.Containers;

namespace Gadget.Gadgets.Tests;

[Collection("gadgets")]
public sealed class OpenSnoopTests
{
    private const int OCloexec = 0x80000;
    private const int OCreat = 0x40;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ExistingFileGivesItsFd_MissingFileGivesEnoent()
    {
        var directory = Directory.CreateTempSubdirectory("gadget-opensnoop-");
        try
        {
            var existing = Path.Combine(directory.FullName, "existing");
            var missing = Path.Combine(directory.FullName, "missing");
            var created = Path.Combine(directory.FullName, "created");
            await File.WriteAllTextAsync(existing, "x");
            await using var snoop = OpenSnoop.Start(new GadgetOptions());
            await using var events = new EventCollector<OpenEvent>(snoop.ReadAsync());

            int fd;
            using (var handle = File.OpenHandle(existing))
            {
                fd = (int)handle.DangerousGetHandle();
            }
            Assert.Throws<FileNotFoundException>(() => File.OpenHandle(missing).Dispose());
            File.Create(created).Dispose();

            var opened = await events.WaitForAsync(e => e.Path == existing, Timeout);
            Assert.NotNull(opened);
            Assert.Equal(Environment.ProcessId, opened.Pid);
            Assert.Equal(fd, opened.FileDescriptor);
            Assert.Equal(fd, opened.ReturnValue);
            Assert.Equal(0, opened.Error);
            Assert.Equal(0, opened.Flags & 3); // O_RDONLY
            Assert.NotEqual(0, opened.Flags & OCloexec);
            Assert.Null(opened.Container);

            var failed = await events.WaitForAsync(e => e.Path == missing, Timeout);
            Assert.NotNull(failed);
            Assert.Equal(-1, failed.FileDescriptor);
            Assert.Equal(2, failed.Error); // ENOENT
            Assert.Equal(-2, failed.ReturnValue);

            var create = await events.WaitForAsync(e => e.Path == created, Timeout);
            Assert.NotNull(create);
            Assert.NotEqual(0, create.Flags & OCreat);
            Assert.True(create.FileDescriptor >= 0);
            Assert.NotEqual(0, create.Mode);
            Assert.Equal(0UL, snoop.LostEvents);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task OnlySelectedContainersEventsLeaveTheKernel()
    {
        await using var containers = new ContainerCollection();
        var selectedId = RuncContainer.NewId("open-sel");
        var otherId = RuncContainer.NewId("open-other");
        var hostPath = "/marker-host-" + Guid.NewGuid().ToString("N");
        await using var snoop = OpenSnoop.Start(new GadgetOptions { Containers = containers, Selector = new ContainerSelector { IdPrefix = selectedId } });
        await using var events = new EventCollector<OpenEvent>(snoop.ReadAsync());

        using var selected = RuncContainer.Create(selectedId, ["sh", "-c", "sleep 1; cat /marker-selected; cat /bin/busybox >/dev/null; sleep 0.2"]);
        using var other = RuncContainer.Create(otherId, ["sh", "-c", "sleep 1; cat /marker-other; cat /bin/busybox >/dev/null; sleep 0.2"]);
        Assert.False(File.Exists(hostPath));

        var missing = await events.WaitForAsync(e => e.Path == "/marker-selected", Timeout);
        var found = await events.WaitForAsync(e => e.Path == "/bin/busybox" && e.Comm == "cat", Timeout);
        Assert.True(selected.WaitStopped(Timeout));
        Assert.True(other.WaitStopped(Timeout));
        await Task.Delay(300);

        Assert.NotNull(missing);
        Assert.Equal(2, missing.Error);
        Assert.Equal(selectedId, missing.Container?.Id);
        Assert.NotNull(found);
        Assert.True(found.FileDescriptor >= 0);
        Assert.Equal(selectedId, found.Container?.Id);
        var all = events.Snapshot();
        Assert.DoesNotContain(all, e => e.Path == "/marker-other");
        Assert.DoesNotContain(all, e => e.Path == hostPath);
        Assert.All(all, e => Assert.Equal(selectedId, e.Container?.Id));
    }
}
