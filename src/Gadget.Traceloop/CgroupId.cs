using System.Runtime.InteropServices;

namespace Gadget.Traceloop;

/// <summary>cgroup2 ids: the id <c>bpf_get_current_cgroup_id()</c> returns is the inode number of the cgroup's directory.</summary>
public static partial class CgroupId
{
    /// <summary>The id of the cgroup2 directory <paramref name="cgroupDirectory"/> (e.g. <c>/sys/fs/cgroup/unified/mycontainer</c>).</summary>
    /// <exception cref="IOException">The directory cannot be examined.</exception>
    public static unsafe ulong FromPath(string cgroupDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(cgroupDirectory);
        // struct stat: st_dev (u64) then st_ino (u64) on x86-64 and the generic layout (arm64); 256 bytes cover it.
        var buffer = stackalloc byte[256];
        if (stat(cgroupDirectory, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"stat('{cgroupDirectory}') failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
        }
        return *(ulong*)(buffer + 8);
    }

    /// <summary>The cgroup2 hierarchy's mount point: <c>/sys/fs/cgroup/unified</c> on hybrid systems, <c>/sys/fs/cgroup</c> on pure cgroup2 ones.</summary>
    public static string Cgroup2Root =>
        File.Exists("/sys/fs/cgroup/unified/cgroup.procs") ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup";

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int stat(string path, byte* buffer);
}
