using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Gadget.Gadgets.Symbols;

/// <summary>
/// Opens, as root, files that a profiled process controls (the files it maps, its JIT perf map) without letting the process
/// choose what gets opened. A path under <c>/proc/PID/root</c> is not enough: a symbolic link the process plants there
/// (or under a mount it puts over a mapped file's directory) is resolved against the profiler's root, so it could make root
/// open a host file, a FIFO nobody writes (the open never returns) or a device (a driver's open, <c>/dev/zero</c>'s
/// endless bytes). Here a file is first located with <c>O_PATH</c> (nothing is opened, nothing blocks), checked (a regular
/// file, owned by whom it should be), and only then opened for reading through that very descriptor.
/// </summary>
internal static class ProcessFiles
{
    /// <summary>
    /// The file a mapping maps: <c>/proc/PID/map_files/START-END</c> is the mapped file itself, even deleted, renamed or
    /// hidden under a mount since (opening it takes CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE); without that, the mapping's
    /// path resolved inside the process's root. Null when it is not a regular file.
    /// </summary>
    public static SafeFileHandle? OpenMapped(string proc, int pid, MemoryMapping mapping)
    {
        var link = string.Create(CultureInfo.InvariantCulture, $"{proc}/{pid}/map_files/{mapping.Start:x}-{mapping.End:x}");
        var located = Libc.open(link, Libc.O_PATH | Libc.O_CLOEXEC);
        if (located >= 0)
        {
            using var handle = new SafeFileHandle(located, ownsHandle: true);
            return Reopen(handle, owners: null);
        }
        return mapping.IsDeleted ? null : OpenInRoot($"{proc}/{pid}/root", mapping.Path, owners: null);
    }

    /// <summary>
    /// <paramref name="path"/> resolved inside the directory <paramref name="root"/> (a process's <c>/proc/PID/root</c>, say)
    /// as if it were "/": <c>openat2</c> with <c>RESOLVE_IN_ROOT</c> keeps absolute links and ".." inside it and follows
    /// no /proc magic links. Null unless it is a regular file and, when
    /// <paramref name="owners"/> is given, owned by root or one of those user ids.
    /// </summary>
    public static SafeFileHandle? OpenInRoot(string root, string path, IReadOnlyCollection<uint>? owners)
    {
        var rootFd = Libc.open(root, Libc.O_PATH | Libc.O_CLOEXEC);
        if (rootFd < 0)
        {
            return null;
        }
        using var directory = new SafeFileHandle(rootFd, ownsHandle: true);
        var located = Libc.Openat2(directory, path.TrimStart('/'), (ulong)(Libc.O_PATH | Libc.O_CLOEXEC), Libc.RESOLVE_IN_ROOT | Libc.RESOLVE_NO_MAGICLINKS);
        if (located < 0)
        {
            return null;
        }
        using var handle = new SafeFileHandle(located, ownsHandle: true);
        return Reopen(handle, owners);
    }

    private static SafeFileHandle? Reopen(SafeFileHandle located, IReadOnlyCollection<uint>? owners)
    {
        if (Libc.Statx(located, Libc.STATX_BASIC_STATS, out var status) != 0
            || (status.Mode & Libc.S_IFMT) != Libc.S_IFREG
            || (owners is not null && status.Uid != 0 && !owners.Contains(status.Uid)))
        {
            return null;
        }
        var added = false;
        located.DangerousAddRef(ref added);
        try
        {
            // The located descriptor's own file, whatever its path names now.
            var fd = Libc.open($"/proc/self/fd/{located.DangerousGetHandle()}", Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
            return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
        }
        finally
        {
            located.DangerousRelease();
        }
    }
}
