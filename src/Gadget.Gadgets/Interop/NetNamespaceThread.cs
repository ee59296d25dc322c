using System.Runtime.InteropServices;
using Gadget.Bpf;

namespace Gadget.Gadgets.Interop;

/// <summary>
/// Runs a function on a thread of its own that has entered another network namespace (<c>setns(CLONE_NEWNET)</c>
/// changes only the calling thread's). The thread goes back to its own namespace before it ends.
/// </summary>
internal static partial class NetNamespaceThread
{
    private const int CLONE_NEWNET = 0x40000000;

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int setns(SafeHandle fd, int nstype);

    /// <summary>Runs <paramref name="action"/> in the network namespace of <paramref name="namespaceFile"/> (e.g. /proc/PID/ns/net), and returns what it returns.</summary>
    /// <param name="namespaceFile">The namespace file.</param>
    /// <param name="action">What to run in the namespace.</param>
    /// <param name="expectedNamespace">
    /// The namespace's inode the caller means (a container's <c>NetNamespaceId</c>), or 0 for whatever the file names: a
    /// container's process that exited and whose pid was reused would otherwise lead into another namespace.
    /// </param>
    /// <exception cref="FileNotFoundException">The namespace file cannot be opened (the process exited), or it names another namespace than <paramref name="expectedNamespace"/>.</exception>
    /// <exception cref="BpfPermissionException">Entering the namespace was refused (no CAP_SYS_ADMIN).</exception>
    public static T Run<T>(string namespaceFile, Func<T> action, ulong expectedNamespace = 0)
    {
        using var target = File.OpenHandle(namespaceFile, FileMode.Open, FileAccess.Read);
        if (expectedNamespace != 0 && (Libc.Statx(target, Libc.STATX_INO, out var status) != 0 || status.Inode != expectedNamespace))
        {
            throw new FileNotFoundException(
                $"{namespaceFile} is network namespace {status.Inode}, not {expectedNamespace}: its process exited and the pid was reused.", namespaceFile);
        }
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var own = File.OpenHandle("/proc/thread-self/ns/net", FileMode.Open, FileAccess.Read);
                Enter(target, namespaceFile);
                try
                {
                    result = action();
                }
                finally
                {
                    Enter(own, "/proc/thread-self/ns/net");
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        { Name = "gadget-netns", IsBackground = true };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
        return result;
    }

    private static void Enter(SafeHandle fd, string path)
    {
        if (setns(fd, CLONE_NEWNET) != 0)
        {
            throw Errno.ToException(Marshal.GetLastPInvokeError(), "enter the network namespace", path);
        }
    }
}
