using System.Runtime.InteropServices;

namespace Gadget.Traceloop;

/// <summary>cgroup2 ids: the id <c>bpf_get_current_cgroup_id()</c> returns is the inode number of the cgroup's directory.</summary>
public static class CgroupId
{
    /// <summary>The id of the cgroup2 directory <paramref name="cgroupDirectory"/> (e.g. <c>/sys/fs/cgroup/unified/mycontainer</c>).</summary>
    /// <exception cref="IOException">The directory cannot be examined.</exception>
    public static ulong FromPath(string cgroupDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(cgroupDirectory);
        var errno = Libc.Statx(cgroupDirectory, 0, Libc.STATX_INO, out var status);
        if (errno != 0)
        {
            throw new IOException($"statx('{cgroupDirectory}') failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
        }
        return status.Inode;
    }

    /// <summary>The cgroup2 hierarchy's mount point: <c>/sys/fs/cgroup/unified</c> on hybrid systems, <c>/sys/fs/cgroup</c> on pure cgroup2 ones.</summary>
    public static string Cgroup2Root =>
        File.Exists("/sys/fs/cgroup/unified/cgroup.procs") ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup";
}
