using Xunit;

namespace Gadget.Gadgets.Tests;

public sealed class TcpGadgetLifetimeTests
{
    [Fact]
    public async Task StartAndDispose_LeaveNoFileDescriptorsBehind()
    {
        // Warm-up: the first start opens process-wide descriptors (tracefs lookups, libbpf's probes) that stay.
        await Cycle();
        var before = OpenDescriptors();
        for (var i = 0; i < 3; i++)
        {
            await Cycle();
        }
        Assert.Equal(before, OpenDescriptors());
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
        await using (var top = TcpTop.Start(new GadgetOptions()))
        {
            top.Collect();
        }
    }

    private static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Length;
}
