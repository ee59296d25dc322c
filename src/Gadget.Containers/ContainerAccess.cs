using Gadget.Bpf;
using Gadget.Linux;

namespace Gadget.Containers;

/// <summary>
/// What a <see cref="ContainerCollection"/> must be allowed to read to see other users' containers, checked before it
/// starts: without it every container would be skipped silently (an unreadable state directory lists nothing, an
/// unreadable <c>/proc/PID/ns/mnt</c> looks like a process that is gone) and a tracer would report no event, no error.
/// </summary>
internal static class ContainerAccess
{
    /// <summary>Throws <see cref="BpfPermissionException"/> naming the capability when the collection could not see containers.</summary>
    /// <param name="unreadableStateRoots">State directories that exist and may not be listed.</param>
    /// <param name="otherUsersContainers">Whether some state directory belongs to another user (root's, for a process that is
    /// not root): a user who follows only their own rootless containers reads their namespaces without CAP_SYS_PTRACE.</param>
    internal static void ThrowIfBlind(IReadOnlyList<string> unreadableStateRoots, bool otherUsersContainers)
    {
        if (unreadableStateRoots.Count > 0)
        {
            throw new BpfPermissionException(
                $"Cannot list the containers in '{string.Join("', '", unreadableStateRoots)}': this process may not read the runtime's state " +
                "directory (mode 0700, root's): grant CAP_DAC_READ_SEARCH (or CAP_DAC_OVERRIDE), or run as root.",
                Errno.EACCES);
        }
        if (otherUsersContainers && !CanReadOtherNamespaces())
        {
            throw new BpfPermissionException(
                "Cannot read the namespaces of other users' processes (/proc/PID/ns/mnt), which tell a container's processes apart: " +
                "this process runs as a user other than root without CAP_SYS_PTRACE: grant it, or run as root.",
                Errno.EACCES);
        }
    }

    /// <summary>A process not running as root reads another user's /proc/PID/ns links only with CAP_SYS_PTRACE (ptrace read
    /// access). No probe on a process of the machine would do: pid 1 may refuse even that (a non-dumpable init).</summary>
    private static bool CanReadOtherNamespaces() => Libc.geteuid() == 0 || EffectiveCapabilities.Has(EffectiveCapabilities.SysPtrace);
}
