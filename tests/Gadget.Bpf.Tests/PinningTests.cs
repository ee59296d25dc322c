namespace Gadget.Bpf.Tests;

/// <summary>Pinning maps and links on bpffs, under a directory of this test class that is removed afterwards.</summary>
public sealed class PinningTests : IDisposable
{
    private readonly string _directory = Path.Combine(BpfEnvironment.BpffsPath, $"gadget-test-{Guid.NewGuid():N}");

    public PinningTests()
    {
        BpfEnvironment.EnsureBpffs();
        Directory.CreateDirectory(_directory);
    }

    public void Dispose()
    {
        // Removing the pins releases whatever a failed test left pinned (a pinned link detaches once nothing holds it).
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [SkippableFact]
    public void APinnedMapOutlivesItsHandleUntilUnpinned()
    {
        var path = Path.Combine(_directory, "created");
        var value = (ulong)Random.Shared.NextInt64();
        uint id;
        using (var map = BpfMap.Create(BpfMapType.Hash, sizeof(uint), sizeof(ulong), 8, "test_pinned"))
        {
            map.As<uint, ulong>()[1] = value;
            map.Pin(path);
            Assert.Equal(path, map.PinnedPath);
            id = map.Id;
        }

        Assert.True(File.Exists(path));
        using (var opened = BpfMap.OpenPinned(path))
        {
            Assert.Equal(path, opened.PinnedPath);
            Assert.Equal(id, opened.Id);
            Assert.Equal(("test_pinned", BpfMapType.Hash, 4, 8, 8), (opened.Name, opened.Type, opened.KeySize, opened.ValueSize, opened.MaxEntries));
            Assert.Equal(value, opened.As<uint, ulong>()[1]);
            opened.Unpin();
            Assert.Null(opened.PinnedPath);
        }

        Assert.False(File.Exists(path));
        Assert.Throws<FileNotFoundException>(() => BpfMap.OpenPinned(path));
        Assert.Throws<KeyNotFoundException>(() => BpfMap.OpenById(id)); // no pin, no handle: the kernel freed it
    }

    [SkippableFact]
    public void AMapOfAnObjectPinnedThenFilledByBpfOutlivesTheObject()
    {
        var path = Path.Combine(_directory, "nested", "hash_map");
        var key = (uint)Random.Shared.Next(0, 16);
        var value = (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        using (var obj = MapsObject.Load())
        {
            obj.Map("hash_map").Pin(path);
            MapsObject.Run(obj, "write_maps", key, value);
        }

        using var opened = BpfMap.OpenPinned(path);
        Assert.Equal("hash_map", opened.Name);
        Assert.Equal(value, opened.As<uint, ulong>()[key]);
        opened.Unpin();
        Assert.False(File.Exists(path));
    }

    [SkippableFact]
    public void PinningOutsideBpffsAndOpeningWhatIsNotAMapFailClearly()
    {
        using var map = BpfMap.Create(BpfMapType.Array, sizeof(uint), sizeof(uint), 1, "test_nopin");
        var outside = Path.Combine(Path.GetTempPath(), $"gadget-test-{Guid.NewGuid():N}", "map");
        var e = Assert.Throws<ArgumentException>(() => map.Pin(outside));
        Assert.Contains("bpffs", e.Message);
        Assert.False(Directory.Exists(Path.GetDirectoryName(outside)), "a refused pin must not create directories");
        Assert.Throws<InvalidOperationException>(() => map.Unpin());

        using var obj = MapsObject.Load();
        using var link = obj.Program("count_syscalls").AttachRawTracepoint("sys_enter");
        var linkPath = Path.Combine(_directory, "a-link");
        link.Pin(linkPath);
        var notMap = Assert.Throws<ArgumentException>(() => BpfMap.OpenPinned(linkPath));
        Assert.Contains(linkPath, notMap.Message);
        link.Unpin();
        Assert.False(File.Exists(linkPath));
    }

    [SkippableFact]
    public void OpeningAPinOfAnotherKindOrADirectoryIsAnArgumentErrorThatLeavesThePin()
    {
        using var map = BpfMap.Create(BpfMapType.Array, sizeof(uint), sizeof(uint), 1, "test_notlink");
        var mapPath = Path.Combine(_directory, "a-map");
        map.Pin(mapPath);
        using var obj = MapsObject.Load();
        using var link = obj.Program("count_syscalls").AttachRawTracepoint("sys_enter");
        var linkPath = Path.Combine(_directory, "a-link");
        link.Pin(linkPath);

        FdCounter.AssertNoLeak(() =>
        {
            var notLink = Assert.Throws<ArgumentException>(() => BpfLink.OpenPinned(mapPath));
            Assert.Contains(mapPath, notLink.Message);
            Assert.Contains("a BPF map, not a link", notLink.Message);
            var notMap = Assert.Throws<ArgumentException>(() => BpfMap.OpenPinned(linkPath));
            Assert.Contains("a BPF link, not a BPF map", notMap.Message);

            // The kernel says EACCES for a directory and for a file outside bpffs: not a missing permission.
            var mapDirectory = Assert.Throws<ArgumentException>(() => BpfMap.OpenPinned(_directory));
            Assert.Contains("is a directory", mapDirectory.Message);
            Assert.Equal("path", mapDirectory.ParamName);
            var linkDirectory = Assert.Throws<ArgumentException>(() => BpfLink.OpenPinned(_directory));
            Assert.Contains("is a directory", linkDirectory.Message);
            var outside = Assert.Throws<ArgumentException>(() => BpfLink.OpenPinned("/etc/hostname"));
            Assert.Contains("bpffs", outside.Message);
            Assert.Throws<FileNotFoundException>(() => BpfLink.OpenPinned(Path.Combine(_directory, "missing")));
        });

        Assert.True(File.Exists(mapPath), "a refused open must leave the pin");
        using (var reopened = BpfMap.OpenPinned(mapPath))
        {
            Assert.Equal(map.Id, reopened.Id);
        }
        using var opened = BpfLink.OpenPinned(linkPath);
        opened.Unpin();
        Assert.False(File.Exists(linkPath));
    }

    [SkippableFact]
    public void APinnedRawTracepointLinkKeepsCountingAfterLinkAndObjectAreDisposedUntilUnpinned()
    {
        var linkPath = Path.Combine(_directory, "raw-link");
        var countPath = Path.Combine(_directory, "count");
        using (var obj = MapsObject.Load((uint)Environment.ProcessId))
        {
            obj.Map("syscall_count").Pin(countPath);
            var link = obj.Program("count_syscalls").AttachRawTracepoint("sys_enter");
            link.Pin(linkPath);
            Assert.Equal(linkPath, link.PinnedPath);
            link.Dispose();
        }

        AssertPinnedLinkCountsThenStops(linkPath, countPath, index: 0);
    }

    [SkippableFact]
    public void APinnedTracepointLinkKeepsCountingAfterLinkAndObjectAreDisposedUntilUnpinned()
    {
        var linkPath = Path.Combine(_directory, "tp-link");
        var countPath = Path.Combine(_directory, "count");
        using (var obj = MapsObject.Load((uint)Environment.ProcessId))
        {
            obj.Map("syscall_count").Pin(countPath);
            var link = obj.Program("count_syscalls_tp").AttachTracepoint("raw_syscalls", "sys_enter");
            link.Pin(linkPath);
            // The object's disposal disposes the link it tracks.
        }

        AssertPinnedLinkCountsThenStops(linkPath, countPath, index: 1);
    }

    [SkippableFact]
    public void OpeningPinnedMapsAndLinksLeaksNoDescriptors()
    {
        var mapPath = Path.Combine(_directory, "leak-map");
        var linkPath = Path.Combine(_directory, "leak-link");
        using var obj = MapsObject.Load((uint)Environment.ProcessId);
        obj.Map("syscall_count").Pin(mapPath);
        using var link = obj.Program("count_syscalls").AttachRawTracepoint("sys_enter");
        link.Pin(linkPath);
        FdCounter.AssertNoLeak(() =>
        {
            using var map = BpfMap.OpenPinned(mapPath);
            _ = map.As<uint, ulong>()[0];
            using var opened = BpfLink.OpenPinned(linkPath);
            Assert.True(opened.FileDescriptor > 0);
        });
        FdCounter.AssertNoLeak(() =>
        {
            using var map = BpfMap.Create(BpfMapType.Array, 4, 4, 1, "test_pin_leak");
            var path = Path.Combine(_directory, "leak-created");
            map.Pin(path);
            map.Unpin();
        });
        link.Unpin();
    }

    private static void AssertPinnedLinkCountsThenStops(string linkPath, string countPath, uint index)
    {
        using var count = BpfMap.OpenPinned(countPath);
        var counter = count.As<uint, ulong>();
        SyscallCounting.AssertCounts(() => counter[index], "the pinned link, its BpfLink and BpfObject disposed,");

        using (var link = BpfLink.OpenPinned(linkPath))
        {
            Assert.Equal(linkPath, link.PinnedPath);
            SyscallCounting.AssertCounts(() => counter[index], "the pinned link, opened again,");
            link.Unpin();
            Assert.False(File.Exists(linkPath));
            SyscallCounting.AssertCounts(() => counter[index], "the unpinned link, still open,");
        }

        SyscallCounting.AssertStopsCounting(() => counter[index], "the unpinned and closed link");
    }
}
