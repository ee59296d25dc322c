using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Gadget.Containers;
using Gadget.Containers.Tests;
using Xunit;

namespace Gadget.Gadgets.Tests;

[Collection("gadgets")]
public sealed class FileTopTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ReadsAndWritesOfATempFile_AreTheCallsAndBytesTheTestMade()
    {
        var name = "ft-" + Guid.NewGuid().ToString("N")[..12];
        var path = Path.Combine(Path.GetTempPath(), name);
        try
        {
            using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
            await using var gadget = FileTop.Start(new GadgetOptions());
            var data = new byte[5000];
            Random.Shared.NextBytes(data);
            long writes = 0, written = 0, reads = 0, read = 0;
            void Wrote(long n) { writes++; written += n; }
            void Got(long n) { reads++; read += n; }

            // write(2) three times, writev(2) once, pwrite64 once (RandomAccess.Write), at the offsets they leave.
            for (var i = 0; i < 3; i++)
            {
                Wrote(FileSyscalls.Write(handle, data.AsSpan(i * 1000, 1000)));
            }
            Wrote(FileSyscalls.WriteV(handle, data.AsSpan(3000, 100), data.AsSpan(3100, 23)));
            RandomAccess.Write(handle, data.AsSpan(0, 4567), fileOffset: written);
            Wrote(4567);
            var size = written;
            // pread64 twice (RandomAccess.Read), read(2) and readv(2) from the descriptor's offset (3123), and a read at the
            // end of the file, which returns 0 and is not counted.
            var buffer = new byte[2048];
            Got(RandomAccess.Read(handle, buffer, fileOffset: 0));
            Got(RandomAccess.Read(handle, buffer, fileOffset: 2048));
            Got(FileSyscalls.Read(handle, buffer.AsSpan(0, 500)));
            Got(FileSyscalls.ReadV(handle, buffer.AsSpan(0, 10), buffer.AsSpan(10, 20)));
            Assert.Equal(0, RandomAccess.Read(handle, buffer, fileOffset: size));

            var snapshot = gadget.Collect();
            var stat = FileStat.Of(path);
            Assert.Equal(size, stat.Size);
            var row = Assert.Single(snapshot.Files, r => r.Pid == Environment.ProcessId && r.Inode == stat.Inode);
            Assert.Equal(stat.Device, row.Device);
            Assert.Equal(writes, row.Writes);
            Assert.Equal(written, row.WriteBytes);
            Assert.Equal(reads, row.Reads);
            Assert.Equal(read, row.ReadBytes);
            Assert.Equal(FileType.Regular, row.Type);
            Assert.Equal(name, row.Name);
            Assert.EndsWith("/" + name, row.Path, StringComparison.Ordinal);
            Assert.Equal(Environment.ProcessId, row.Pid);
            Assert.Equal(0UL, gadget.DroppedUpdates);
            Assert.Equal(snapshot.Files.OrderByDescending(r => r.ReadBytes + r.WriteBytes).Select(r => r.ReadBytes + r.WriteBytes), snapshot.Files.Select(r => r.ReadBytes + r.WriteBytes));

            // The counts were taken: the next snapshot has none of them.
            Assert.DoesNotContain(gadget.Collect().Files, r => r.Pid == Environment.ProcessId && r.Inode == stat.Inode);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ASocketWrite_IsCountedOnlyWithAllFiles()
    {
        await using var regular = FileTop.Start(new GadgetOptions());
        await using var all = FileTop.Start(new GadgetOptions(), new FileTopOptions { AllFiles = true, Sort = FileTopSort.WriteBytes });
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        using var server = listener.Accept();
        var inode = SocketInode(client.SafeHandle);

        Assert.Equal(777, FileSyscalls.Write(client.SafeHandle, new byte[777]));
        var buffer = new byte[777];
        long received = 0, receives = 0;
        while (received < 777)
        {
            received += FileSyscalls.Read(server.SafeHandle, buffer.AsSpan((int)received));
            receives++;
        }

        var allRows = all.Collect().Files.Where(r => r.Pid == Environment.ProcessId && r.Type == FileType.Socket).ToList();
        var clientRow = Assert.Single(allRows, r => r.Inode == inode);
        Assert.Equal(1, clientRow.Writes);
        Assert.Equal(777, clientRow.WriteBytes);
        Assert.Equal(0, clientRow.Reads);
        Assert.Equal($"socket:[{inode}]", clientRow.Name);
        var serverRow = Assert.Single(allRows, r => r.Inode == SocketInode(server.SafeHandle));
        Assert.Equal(receives, serverRow.Reads);
        Assert.Equal(777, serverRow.ReadBytes);
        Assert.Equal(0, serverRow.Writes);
        Assert.DoesNotContain(regular.Collect().Files, r => r.Type != FileType.Regular);
    }

    [Fact]
    public async Task AContainerSelector_KeepsOnlyThatContainersRows()
    {
        await using var containers = new ContainerCollection();
        var selectedId = RuncContainer.NewId("ftop-sel");
        var otherId = RuncContainer.NewId("ftop-other");
        await using var gadget = FileTop.Start(
            new GadgetOptions { Containers = containers, Selector = new ContainerSelector { IdPrefix = selectedId } },
            new FileTopOptions { AllFiles = true });
        var path = Path.Combine(Path.GetTempPath(), "ft-host-" + Guid.NewGuid().ToString("N")[..8]);
        var rows = new List<FileTraffic>();
        try
        {
            // Both containers copy the rootfs's busybox to /dev/null with dd (read(2)/write(2) of 4096 bytes); the test
            // process writes and reads a file of its own meanwhile.
            const string script = "sleep 0.5; busybox dd if=/bin/busybox of=/dev/null bs=4096; sleep 0.5";
            using var selected = RuncContainer.Create(selectedId, ["sh", "-c", script]);
            using var other = RuncContainer.Create(otherId, ["sh", "-c", script]);
            await File.WriteAllBytesAsync(path, new byte[10_000]);
            _ = await File.ReadAllBytesAsync(path);
            var stopped = false;
            using var timeout = new CancellationTokenSource(Timeout);
            while (!stopped)
            {
                stopped = selected.WaitStopped(TimeSpan.FromMilliseconds(200)) && other.WaitStopped(TimeSpan.FromMilliseconds(200));
                rows.AddRange(gadget.Collect().Files);
                timeout.Token.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            File.Delete(path);
        }

        var busybox = FileStat.Of(Path.Combine(Path.GetTempPath(), $"gadget-busybox-rootfs-{Environment.ProcessId}", "bin", "busybox"));
        var copied = rows.Where(r => r.Inode == busybox.Inode && r.Device == busybox.Device && r.Reads > 0).ToList();
        Assert.NotEmpty(copied);
        Assert.Equal(busybox.Size, copied.Sum(r => r.ReadBytes));
        Assert.Equal((busybox.Size + 4095) / 4096, copied.Sum(r => r.Reads));
        Assert.All(copied, r => Assert.Equal("busybox", r.Name));
        // Like the reads, the writes may be split between two intervals' rows.
        Assert.Equal(busybox.Size, rows.Where(r => r.Type == FileType.Other && r.Name == "null").Sum(r => r.WriteBytes));
        Assert.All(rows, r => Assert.Equal(selectedId, r.Container?.Id));
        Assert.Single(rows.Select(r => r.CgroupId).Distinct());
        Assert.DoesNotContain(rows, r => r.Pid == Environment.ProcessId);
    }

    [Fact]
    public void Start_RefusesBadOptions()
    {
        Assert.Throws<ArgumentException>(() => FileTop.Start(new GadgetOptions(), new FileTopOptions { Interval = TimeSpan.Zero }));
        Assert.Throws<ArgumentException>(() => FileTop.Start(new GadgetOptions(), new FileTopOptions { MaxRows = 0 }));
        Assert.Throws<ArgumentException>(() => FileTop.Start(new GadgetOptions(), new FileTopOptions { Sort = (FileTopSort)42 }));
        Assert.Throws<ArgumentException>(() => FileTop.Start(new GadgetOptions { Selector = new ContainerSelector { Name = "x" } }));
    }

    private static ulong SocketInode(SafeHandle handle)
    {
        var link = new FileInfo($"/proc/self/fd/{handle.DangerousGetHandle()}").LinkTarget!;
        Assert.StartsWith("socket:[", link, StringComparison.Ordinal);
        return ulong.Parse(link["socket:[".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
