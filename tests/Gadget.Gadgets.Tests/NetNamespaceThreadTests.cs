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
    public void TheNamespaceMeant_IsEntered() => InANamespaceOfItsOwn((file, own, other) =>
    {
        Assert.Equal(other, NetNamespaceThread.Run(file, () => NamespaceInode("/proc/thread-self/ns/net"), other));
        Assert.Equal(other, NetNamespaceThread.Run(file, () => NamespaceInode("/proc/thread-self/ns/net"))); // no check asked
    });

    [Fact]
    public void APidThatNowLeadsIntoAnotherNamespace_IsNotEntered() => InANamespaceOfItsOwn((file, own, _) =>
    {
        var ran = false;

        // The caller means the host's namespace (the pid's earlier owner's): the process there now is in another.
        var refused = Assert.Throws<FileNotFoundException>(() => NetNamespaceThread.Run(file, () => ran = true, own));

        Assert.False(ran);
        Assert.Contains("pid was reused", refused.Message, StringComparison.Ordinal);
    });

    /// <summary>Runs <paramref name="test"/> with a process's namespace file, this process's namespace and the process's.</summary>
    private static void InANamespaceOfItsOwn(Action<string, ulong, ulong> test)
    {
        var own = NamespaceInode("/proc/self/ns/net");
        using var process = Process.Start(new ProcessStartInfo("unshare", ["-n", "sleep", "60"]) { UseShellExecute = false })!;
        try
        {
            var file = $"/proc/{process.Id}/ns/net";
            var clock = Stopwatch.StartNew();
            var other = own;
            while (other == own && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(10); // until unshare has made its namespace, the process is in this one
                other = NamespaceInode(file);
            }
            Assert.NotEqual(own, other);
            test(file, own, other);
        }
        finally
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    private static ulong NamespaceInode(string file)
    {
        var target = new FileInfo(file).LinkTarget!; // "net:[4026531840]"
        return ulong.Parse(target.AsSpan(5, target.Length - 6), System.Globalization.CultureInfo.InvariantCulture);
    }
}
