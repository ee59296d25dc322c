using System.Runtime.InteropServices;

namespace Gadget.Bpf.Tests;

/// <summary>
/// Runs code on a new thread whose effective capabilities lack some (capset on that thread only: Linux capabilities are
/// per thread, and the kernel checks the calling thread's). The thread ends afterwards; the rest of the process keeps its own.
/// </summary>
internal static unsafe partial class ThreadCapabilities
{
    private const uint Version3 = 0x20080522;

    internal static Exception? RunWithout(int[] capabilities, Action action)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            var header = stackalloc uint[2] { Version3, 0 };
            var data = stackalloc uint[6]; // two { effective, permitted, inheritable } words
            if (capget(header, data) != 0)
            {
                failure = new InvalidOperationException("capget failed: " + Marshal.GetLastPInvokeError());
                return;
            }
            foreach (var capability in capabilities)
            {
                data[(capability / 32) * 3] &= ~(1u << (capability % 32)); // effective only: permitted stays
            }
            if (capset(header, data) != 0)
            {
                failure = new InvalidOperationException("capset failed: " + Marshal.GetLastPInvokeError());
                return;
            }
            try
            {
                action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        return failure;
    }

    [LibraryImport("libc", EntryPoint = "capget", SetLastError = true)]
    private static partial int capget(uint* header, uint* data);

    [LibraryImport("libc", EntryPoint = "capset", SetLastError = true)]
    private static partial int capset(uint* header, uint* data);
}
