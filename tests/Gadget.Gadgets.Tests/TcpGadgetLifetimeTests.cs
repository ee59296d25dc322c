using Gadget.Bpf.Tests;
using Xunit;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// Counts this process's descriptors, so it runs alone (the "gadgets" collection): the other TCP test classes open and close
/// sockets and BPF objects on their own threads and would change the count under it.
/// </summary>
[Collection("gadgets")]
public sealed class TcpGadgetLifetimeTests
{
    [Fact]
    public async Task StartAndDispose_LeaveNoFileDescriptorsBehind()
    {
        // Warm-up: the first start opens process-wide descriptors (tracefs lookups, libbpf's probes) that stay.
        // Earlier tests' objects (collections, sockets) may still be closing descriptors on other threads: settle first,
        // and a leak is a descriptor per cycle that never goes away.
        await Cycle();
        var before = await SettledDescriptors();
        for (var i = 0; i < 5; i++)
        {
            await Cycle();
        }
        var after = await SettledDescriptors();
        Assert.True(after.Count <= before.Count, $"{after.Count - before.Count} descriptor(s) more after 5 cycles: {string.Join(", ", after.Except(before))}");
    }

    [Fact]
    public async Task Dispose_EndsAPendingRead()
    {
        var gadget = TcpConnect.Start(new GadgetOptions());
        var reading = Task.Run(async () =>
        {
            var count = 0;
            await foreach (var e in gadget.ReadAsync())
            {
                count++;
            }
            return count;
        });
        await Task.Delay(200);
        await gadget.DisposeAsync();
        await reading.WaitAsync(TimeSpan.FromSeconds(5));
    }

    private static async Task Cycle()
    {
        await using (TcpConnect.Start(new GadgetOptions()))
        {
        }
        await using (TcpAccept.Start(new GadgetOptions()))
        {
        }
        if (KernelFeatures.Has(KernelFeatures.SockLengthTracepoints))
        {
            await using var top = TcpTop.Start(new GadgetOptions());
            top.Collect();
        }
    }

    private static async Task<List<string>> SettledDescriptors()
    {
        var previous = Descriptors();
        for (var i = 0; i < 20; i++)
        {
            await Task.Delay(100);
            var current = Descriptors();
            if (current.Count == previous.Count)
            {
                return current;
            }
            previous = current;
        }
        return previous;
    }

    private static List<string> Descriptors() =>
        [.. Directory.GetFiles("/proc/self/fd").Select(fd => fd + "->" + Target(fd))];

    private static string Target(string fd)
    {
        try
        {
            return File.ResolveLinkTarget(fd, false)?.ToString() ?? "?";
        }
        catch (IOException)
        {
            return "closed";
        }
    }
}
