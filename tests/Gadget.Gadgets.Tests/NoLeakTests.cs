using Gadget.Containers;

namespace Gadget.Gadgets.Tests;

[Collection("gadgets")]
public sealed class NoLeakTests
{
    private static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Length;

    [Fact]
    public async Task GadgetsReleaseEveryDescriptorAndEndTheirStreams()
    {
        await using var containers = new ContainerCollection();
        // Warm up (libbpf, tracefs, the runtime's own descriptors) once.
        (await RunOnce(containers)).ToString();
        var before = OpenDescriptors();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(7, await RunOnce(containers));
        }
        // A leak grows with each round (each gadget holds several descriptors); fewer is fine (lazy runtime handles closed).
        Assert.InRange(OpenDescriptors(), 0, before + 2);
    }

    private static async Task<int> RunOnce(ContainerCollection containers)
    {
        var options = new GadgetOptions { Containers = containers, Selector = ContainerSelector.All };
        var ended = 0;
        ended += await StartAndStop(ExecSnoop.Start(options), g => g.ReadAsync());
        ended += await StartAndStop(OpenSnoop.Start(new GadgetOptions()), g => g.ReadAsync());
        ended += await StartAndStop(SigSnoop.Start(options), g => g.ReadAsync());
        ended += await StartAndStop(OomKill.Start(options), g => g.ReadAsync());
        ended += await StartAndStop(ExitSnoop.Start(options), g => g.ReadAsync());
        ended += await StartAndStop(BindSnoop.Start(options), g => g.ReadAsync());
        ended += await StartAndStop(MountSnoop.Start(options), g => g.ReadAsync());
        using (var snapshot = ProcessSnapshot.Start(options))
        {
            snapshot.Take();
        }
        return ended;
    }

    private static async Task<int> StartAndStop<TGadget, TEvent>(TGadget gadget, Func<TGadget, IAsyncEnumerable<TEvent>> read)
        where TGadget : IAsyncDisposable
    {
        var reader = Task.Run(async () =>
        {
            await foreach (var _ in read(gadget))
            {
            }
        });
        await Task.Delay(50);
        await gadget.DisposeAsync();
        // Disposing ends the stream (no cancellation needed).
        return await Task.WhenAny(reader, Task.Delay(5000)) == reader ? 1 : 0;
    }
}
