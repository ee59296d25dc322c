using System.Runtime.InteropServices;
using Gadget.Bpf.Generators.Tests.Sample;

namespace Gadget.Bpf.Generators.Tests;

/// <summary>
/// The skeleton this project's build generated from bpf/out/skeleton_sample.bpf.o (a &lt;BpfObject&gt; item, through
/// Gadget.Bpf's targets and the generator as an analyzer): opened from the embedded resource, a .rodata global set
/// through it, loaded into the kernel, attached, and typed events and map entries read back.
/// </summary>
public class SampleSkeletonTests
{
    [Fact]
    public void Loads_attaches_and_reads_typed_events_maps_and_globals()
    {
        using var spec = SkeletonSampleSkeleton.Open();
        spec.TargetTgid = (uint)Environment.ProcessId;
        Assert.Equal((uint)Environment.ProcessId, spec.TargetTgid);
        using var skeleton = spec.Load();
        skeleton.Attach();
        Assert.Contains(skeleton.Links, link => link is not null);
        Assert.Equal(0UL, skeleton.Calls);

        using var reader = new RingBufferReader(skeleton.Events);
        const int Calls = 3;
        int tid = 0;
        var comm = string.Empty;
        // On one thread: the events' tid is this thread's, and their first_call bit is set on the first only.
        var thread = new Thread(() =>
        {
            tid = Libc.GetThreadId();
            comm = File.ReadAllText($"/proc/self/task/{tid}/comm").TrimEnd('\n');
            for (var i = 0; i < Calls; i++)
            {
                Libc.GetParentProcessId();
            }
        });
        thread.Name = "skeleton-sample";
        thread.Start();
        thread.Join();

        var events = new List<SampleEvent>();
        reader.Consume(record => events.Add(MemoryMarshal.Read<SampleEvent>(record)));
        var mine = events.Where(e => e.Tid == (uint)tid).ToList();
        Assert.Equal(Calls, mine.Count);
        for (var i = 0; i < mine.Count; i++)
        {
            var e = mine[i];
            Assert.Equal((uint)Environment.ProcessId, e.Pid);
            Assert.Equal(SampleKind.SampleGetppid, e.Kind);
            Assert.True(e.Cpu < (uint)Environment.ProcessorCount || e.Cpu < 4096, $"cpu {e.Cpu}");
            Assert.Equal(comm, System.Text.Encoding.UTF8.GetString(e.Comm[..e.Comm.IndexOf((byte)0)]));
            // The union: raw is tid << 32 | pid, read back through the anonymous struct's lo and hi.
            Assert.Equal(((ulong)(uint)tid << 32) | (uint)Environment.ProcessId, e.Ids.Raw);
            Assert.Equal((uint)Environment.ProcessId, e.Ids.Lo);
            Assert.Equal((uint)tid, e.Ids.Hi);
        }
        // first_call is the BPF program's "no count yet for this (pid, kind)": set on this process's first getppid only.
        // (the map is new with this load and only this process is traced: its first event is the first call).
        Assert.Equal(1u, events[0].FirstCall);
        Assert.All(events.Skip(1), e => Assert.Equal(0u, e.FirstCall));

        var key = new SampleKey { Pid = (uint)Environment.ProcessId, Kind = SampleKind.SampleGetppid };
        Assert.True(skeleton.Counts.TryLookup(key, out var count));
        Assert.Equal((ulong)events.Count, count);
        Assert.Equal((ulong)events.Count, skeleton.Calls);
    }
}
