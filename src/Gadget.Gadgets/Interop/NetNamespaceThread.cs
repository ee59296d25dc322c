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
    /// <exception cref="IOException">The namespace file cannot be opened (the process exited).</exception>
    /// <exception cref="BpfPermissionException">Entering the namespace was refused (no CAP_SYS_ADMIN).</exception>
    public static T Run<T>(string namespaceFile, Func<T> action)
    {
        using var target = File.OpenHandle(namespaceFile, FileMode.Open, FileAccess.Read);
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
