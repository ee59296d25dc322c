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

    /// <summary>
    /// The program's twin of the test above: a program test-run on one thread while another disposes its object and loads
    /// the same object again (whose programs get the lowest free descriptor numbers, the old ones'). The run must see the
    /// object disposed (ObjectDisposedException), never a closed descriptor (EBADF) or the new object's program, whose
    /// counter would then move although nothing ran it.
    /// </summary>
    [Fact]
    public void ATestRunRacingDisposeNeverRunsTheProgramThatReusesTheDescriptorNumber()
    {
        const uint slot = 0; // count_raw_sys_enter's counter in attach_tests' hits map
        var staleRuns = 0UL;
        for (var round = 0; round < 150; round++)
        {
            var old = LoadAttachTests();
            var program = old.Program("count_raw_sys_enter");
            var context = new byte[8];
            var runs = 0;
            Exception? unexpected = null;
            var runner = new Thread(() =>
            {
                try
                {
                    while (true)
                    {
                        program.TestRun(context);
                        Volatile.Write(ref runs, runs + 1);
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
            runner.Start();
            while (Volatile.Read(ref runs) == 0 && runner.IsAlive)
            {
                Thread.Yield();
            }
            old.Dispose();
            using var fresh = LoadAttachTests();
            runner.Join();
            Assert.Null(unexpected);
            staleRuns += fresh.Map("hits").As<uint, ulong>()[slot];
        }
        Assert.Equal(0UL, staleRuns);
    }

    /// <summary>
    /// Programs attached on one thread, never detached by it, while another disposes their object: the object detaches every
    /// link it made, also one made while it was being disposed (that attach sees the object disposed), so no link is left
    /// holding its descriptors; any other error (EBADF, a use of a closed libbpf object) fails the test.
    /// </summary>
    [Fact]
    public void AnAttachRacingDisposeLeavesNoLinkBehind()
    {
        FdCounter.AssertNoLeak(
            () =>
            {
                for (var round = 0; round < 20; round++)
                {
                    var obj = LoadAttachTests();
                    var program = obj.Program("count_raw_sys_enter");
                    var attaches = 0;
                    Exception? unexpected = null;
                    var attacher = new Thread(() =>
                    {
                        try
                        {
                            while (true)
                            {
                                program.AttachRawTracepoint("sys_enter"); // left to the object to detach
                                Volatile.Write(ref attaches, attaches + 1);
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
                    attacher.Start();
                    while (Volatile.Read(ref attaches) == 0 && attacher.IsAlive)
                    {
                        Thread.Yield();
                    }
                    obj.Dispose();
                    attacher.Join();
                    Assert.Null(unexpected);
                }
            },
            rounds: 2);
    }

    private static BpfObject LoadAttachTests()
    {
        using var spec = TestObjects.Open(TestObjects.AttachTests);
        spec.SetGlobal("target_tgid", (uint)Environment.ProcessId);
        return spec.Load();
    }

    [Fact]
    public void APerfBufferPageCountThatOverflowsIsRefused()
    {
        using var map = BpfMap.Create(BpfMapType.PerfEventArray, 4, 4, BpfEnvironment.PossibleCpuCount);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PerfBufferReader(map, new PerfBufferOptions { PageCount = 1 << 20 }));
        Assert.Contains("PageCount", error.Message);
    }
}
