using System.Diagnostics;
using System.Globalization;
using Gadget.Containers;
using Gadget.Containers.Tests;
using MountRecord = Gadget.Gadgets.Bpf.Mountsnoop.MountEvent;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// mountsnoop against real mounts: a Python child in a private mount namespace (<c>unshare -m --propagation private</c>)
/// calls mount(2) and umount2(2) through libc with known arguments and prints what each returned; the gadget must report
/// those arguments and results.
/// </summary>
[Collection("gadgets")]
public sealed class MountSnoopTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Mounts a tmpfs (MS_NOSUID|MS_NODEV, size=1m,mode=0700), fails a mount (ENODEV), unmounts (MNT_DETACH); prints the results.</summary>
    internal const string Script = """
        import ctypes, os, tempfile
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
        libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
        MS_NOSUID, MS_NODEV, MNT_DETACH = 2, 4, 2
        d = tempfile.mkdtemp(prefix="gadget-mount-")
        def call(name, r):
            print(name, 0 if r == 0 else -ctypes.get_errno(), flush=True)
        print("pid", os.getpid(), flush=True)
        print("dir", d, flush=True)
        call("mount", libc.mount(b"gadget-tmpfs", d.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"size=1m,mode=0700"))
        call("bad", libc.mount(b"gadget-none", d.encode(), b"gadgetnosuchfs", 0, None))
        call("umount", libc.umount2(d.encode(), MNT_DETACH))
        os.rmdir(d)
        """;

    [Fact]
    public async Task MountAFailedMountAndUmountInAPrivateNamespaceAreReported()
    {
        await using var snoop = MountSnoop.Start(new GadgetOptions());
        await using var events = new EventCollector<MountEvent>(snoop.ReadAsync());
        var output = Run("unshare", "-m", "--propagation", "private", "python3", "-c", Script);
        var pid = int.Parse(output["pid"], CultureInfo.InvariantCulture);
        var directory = output["dir"];
        Assert.Equal("0", output["mount"]);
        Assert.Equal("-19", output["bad"]); // ENODEV
        Assert.Equal("0", output["umount"]);

        // unshare (the same process, before it execs python3) made its namespace's mounts private: mount(2) too.
        var all = await events.WaitForCountAsync(e => e.Pid == pid, 4, Timeout);
        Assert.Equal(4, all.Count);
        var propagation = all[0];
        Assert.Equal(("unshare", MountOperation.Mount, "/", "MS_REC|MS_PRIVATE", "OK"), (propagation.Comm, propagation.Operation, propagation.Target, propagation.FlagNames, propagation.Result));
        var mounts = all[1..];
        var (mount, bad, umount) = (mounts[0], mounts[1], mounts[2]);
        Assert.Equal((MountOperation.Mount, "gadget-tmpfs", directory, "tmpfs", "size=1m,mode=0700"), (mount.Operation, mount.Source, mount.Target, mount.FileSystemType, mount.Data));
        Assert.Equal((6UL, "MS_NOSUID|MS_NODEV", 0, "OK"), (mount.Flags, mount.FlagNames, mount.ReturnValue, mount.Result));
        Assert.Equal((MountOperation.Mount, "gadget-none", directory, "gadgetnosuchfs", ""), (bad.Operation, bad.Source, bad.Target, bad.FileSystemType, bad.Data));
        Assert.Equal((0UL, "0", -19, 19, "ENODEV"), (bad.Flags, bad.FlagNames, bad.ReturnValue, bad.Error, bad.Result));
        Assert.Equal((MountOperation.Unmount, "", directory, ""), (umount.Operation, umount.Source, umount.Target, umount.FileSystemType));
        Assert.Equal((2UL, "MNT_DETACH", 0, "OK"), (umount.Flags, umount.FlagNames, umount.ReturnValue, umount.Result));
        Assert.All(mounts, e => Assert.StartsWith("python3", e.Comm, StringComparison.Ordinal));
        Assert.All(mounts, e => Assert.Null(e.Container));
    }

    [Fact]
    public async Task ASelectedContainersMountIsReported_OthersStayInTheKernel()
    {
        await using var containers = new ContainerCollection();
        var selectedId = RuncContainer.NewId("mnt-sel");
        var otherId = RuncContainer.NewId("mnt-other");
        await using var snoop = MountSnoop.Start(new GadgetOptions { Containers = containers, Selector = new ContainerSelector { IdPrefix = selectedId } });
        await using var everything = MountSnoop.Start(new GadgetOptions());
        await using var events = new EventCollector<MountEvent>(snoop.ReadAsync());
        await using var allEvents = new EventCollector<MountEvent>(everything.ReadAsync());
        // runc's default spec has no CAP_SYS_ADMIN: the mounts fail with EPERM, and are reported all the same.
        using var selected = RuncContainer.Create(selectedId, ["busybox", "mount", "-t", "tmpfs", "gadget-sel", "/tmp"], start: false);
        using var other = RuncContainer.Create(otherId, ["busybox", "mount", "-t", "tmpfs", "gadget-other", "/tmp"], start: false);
        var selectedPid = selected.Pid;
        var otherPid = other.Pid;
        Assert.NotNull(await containers.WaitForContainerAsync(c => c.Id == selectedId, Timeout));
        Assert.NotNull(await containers.WaitForContainerAsync(c => c.Id == otherId, Timeout));
        other.Start();
        Assert.NotNull(await allEvents.WaitForAsync(e => e.Pid == otherPid && e.Source == "gadget-other", Timeout));
        selected.Start();

        var mounted = await events.WaitForAsync(e => e.Source == "gadget-sel", Timeout);
        Assert.NotNull(mounted);
        Assert.Equal(selectedId, mounted.Container?.Id);
        Assert.Equal(selectedPid, mounted.Pid);
        Assert.Equal(("/tmp", "tmpfs", "EPERM"), (mounted.Target, mounted.FileSystemType, mounted.Result));
        var all = events.Snapshot();
        Assert.DoesNotContain(all, e => e.Source == "gadget-other" || e.Pid == otherPid);
        Assert.All(all, e => Assert.Equal(selectedId, e.Container?.Id));
    }

    [Theory]
    [InlineData(MountOperation.Mount, 0xC0ED0000UL | 4096 | 16384, "MS_BIND|MS_REC")]
    [InlineData(MountOperation.Mount, 1UL << 40, "0x10000000000")]
    [InlineData(MountOperation.Mount, (1UL << 18) | (1UL << 30), "MS_PRIVATE|0x40000000")]
    [InlineData(MountOperation.Unmount, 0UL, "0")]
    [InlineData(MountOperation.Unmount, 1UL | 8, "MNT_FORCE|UMOUNT_NOFOLLOW")]
    [InlineData(MountOperation.MoveMount, 0x44UL, "MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_EMPTY_PATH")]
    public void FlagsAreNamed(MountOperation operation, ulong flags, string names) =>
        Assert.Equal(names, MountFlags.Format(operation, flags));

    [Fact]
    public void ARecordIsParsedFromItsBytes()
    {
        var record = new MountRecord { Timestamp = 1, CgroupId = 9, Retval = -1, Op = 2, Flags = 0x44 };
        "/from"u8.CopyTo(record.Source);
        "/to"u8.CopyTo(record.Target);
        "mover"u8.CopyTo(record.Proc.Comm);
        var bytes = new byte[MountRecord.Size];
        System.Runtime.InteropServices.MemoryMarshal.Write(bytes, in record);

        var e = MountSnoop.Parse(bytes);
        Assert.NotNull(e);
        Assert.Equal((MountOperation.MoveMount, "/from", "/to", "", ""), (e.Operation, e.Source, e.Target, e.FileSystemType, e.Data));
        Assert.Equal(("MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_EMPTY_PATH", "EPERM", "mover", 9UL), (e.FlagNames, e.Result, e.Comm, e.CgroupId));
        Assert.Null(MountSnoop.Parse(bytes.AsSpan(0, bytes.Length - 1)));
    }

    /// <summary>Runs a command to its end (exit 0); returns its output lines as "key value" pairs.</summary>
    internal static Dictionary<string, string> Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), $"{file} did not finish");
        Assert.True(process.ExitCode == 0, $"{file} exited with {process.ExitCode}: {error}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', 2)).ToDictionary(f => f[0], f => f[1]);
    }
}
