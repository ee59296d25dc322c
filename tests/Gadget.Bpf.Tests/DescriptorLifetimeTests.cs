namespace Gadget.Bpf.Tests;

public class DescriptorLifetimeTests
{
    /// <summary>
    /// A map disposed on one thread while another writes to it, then a new map created at once (which the kernel gives the
    /// lowest free descriptor number, the old one's): no write may land in the new map. Before the writer's call held the
    /// descriptor (SafeHandle reference), 2 of 300 rounds did.
    /// </summary>
    [Fact]
    public void AWriteRacingDisposeNeverLandsInTheMapThatReusesTheDescriptorNumber()
    {
        var staleWrites = 0;
        for (var round = 0; round < 300; round++)
        {
            var old = BpfMap.Create(BpfMapType.Hash, 4, 8, 4, "race_old");
            var typed = old.As<uint, ulong>();
            var writes = 0;
            Exception? unexpected = null;
            var writer = new Thread(() =>
            {
                try
                {
                    while (true)
                    {
                        typed.Update(1, (ulong)round);
                        Volatile.Write(ref writes, writes + 1);
                    }
                }
                catch (ObjectDisposedException)
                {
                }
                catch (Exception e)
                {
                    unexpected = e;
                }
            });
            writer.Start();
            while (Volatile.Read(ref writes) == 0 && writer.IsAlive)
            {
                Thread.Yield();
            }
            old.Dispose();
            using var fresh = BpfMap.Create(BpfMapType.Hash, 4, 8, 4, "race_new");
            writer.Join();
            Assert.Null(unexpected);
            if (fresh.As<uint, ulong>().TryLookup(1, out _))
            {
                staleWrites++;
            }
        }
        Assert.Equal(0, staleWrites);
    }

    [Fact]
    public void APerfBufferPageCountThatOverflowsIsRefused()
    {
        using var map = BpfMap.Create(BpfMapType.PerfEventArray, 4, 4, BpfEnvironment.PossibleCpuCount);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PerfBufferReader(map, new PerfBufferOptions { PageCount = 1 << 20 }));
        Assert.Contains("PageCount", error.Message);
    }
}
