using System.Diagnostics;
using Gadget.Gadgets.Interop;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// Entering a container's network namespace through <c>/proc/PID/ns/net</c> (trace dns, snapshot socket): when the
/// container's process is gone and its pid belongs to another process, that file leads into another namespace, whose
/// packets or sockets would be credited to the container. The namespace meant is checked by its inode first.
/// </summary>
[Collection("gadgets")]
public sealed class NetNamespaceThreadTests
{
    [Fact]
    public void TheNamespaceMeant_IsEntered()
    {
        var own = NamespaceInode("/proc/self/ns/net");
        using var process = Process.Start(new ProcessStartInfo("unshare", ["-n", "sleep", "60"]) { UseShellExecute = false })!;
        try
        {
            var file = $"/proc/{process.Id}/ns/net";
            var other = WaitForOtherNamespace(file, own);

            Assert.Equal(other, NetNamespaceThread.Run(file, () => NamespaceInode("/proc/thread-self/ns/net"), other));
            Assert.Equal(other, NetNamespaceThread.Run(file, () => NamespaceInode("/proc/thread-self/ns/net"))); // no check asked
        }
        finally
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    [Fact]
    public void APidThatNowLeadsIntoAnotherNamespace_IsNotEntered()
    {
        var own = NamespaceInode("/proc/self/ns/net");
        using var process = Process.Start(new ProcessStartInfo("unshare", ["-n", "sleep", "60"]) { UseShellExecute = false })!;
        try
        {
            var file = $"/proc/{process.Id}/ns/net";
            WaitForOtherNamespace(file, own);
            var ran = false;

            // The caller means the host's namespace (the pid's earlier owner's): the process there now is in another.
            var refused = Assert.Throws<FileNotFoundException>(() => NetNamespaceThread.Run(file, () => ran = true, own));

            Assert.False(ran);
            Assert.Contains("pid was reused", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    private static ulong WaitForOtherNamespace(string file, ulong own)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            // Until unshare has made its namespace, the process is in this one.
            if (NamespaceInode(file) is var inode && inode != own)
            {
                return inode;
            }
            Thread.Sleep(10);
        }
        throw new TimeoutException("unshare -n did not enter a namespace of its own");
    }

    private static ulong NamespaceInode(string file)
    {
        var target = new FileInfo(file).LinkTarget!; // "net:[4026531840]"
        return ulong.Parse(target.AsSpan(5, target.Length - 6), System.Globalization.CultureInfo.InvariantCulture);
    }
}
