using System.Runtime.InteropServices;

namespace Gadget.Bpf.Tests;

public class PerfBufferReaderTests
{
    [SkippableFact]
    public void SyscallRecordCarriesPidSyscallIdAndPath()
    {
        BpfEnvironment.EnsureTracefs();
        using var spec = TestObjects.Open(TestObjects.SyscallEvents);
        spec.SetGlobal("target_tgid", (uint)Environment.ProcessId);
        spec.SetGlobal("output_mode", 1u);
        using var obj = spec.Load();
        using var reader = new PerfBufferReader(obj.Map("perf_events"), new PerfBufferOptions { PageCount = 16 });
        using var link = obj.Program("on_sys_enter").AttachTracepoint("raw_syscalls", "sys_enter");

        var path = $"/tmp/gadget-perf-{Guid.NewGuid():N}";
        Assert.Throws<FileNotFoundException>(() => File.OpenRead(path)); // openat(2) with our path, failing with ENOENT

        SyscallEvent? found = null;
        var foundLength = 0;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (found is null && DateTime.UtcNow < deadline)
        {
            reader.Poll((cpu, data) =>
            {
                var e = MemoryMarshal.Read<SyscallEvent>(data);
                if (found is null && e.SyscallId == 257 && e.PathString == path)
                {
                    found = e;
                    foundLength = data.Length;
                }
            }, 200);
        }

        Assert.NotNull(found);
        Assert.Equal((uint)Environment.ProcessId, found.Value.Pid);
        Assert.Equal(257, found.Value.SyscallId);
        Assert.Equal(path, found.Value.PathString);
        Assert.Equal(BurstEmitter.PaddedLength(Marshal.SizeOf<SyscallEvent>()), foundLength);
    }

    [SkippableFact]
    public void BurstLargerThanTheRingIsAccountedForByLossReports()
    {
        using var burst = new BurstEmitter();
        using var reader = new PerfBufferReader(burst.Object.Map("perf_events"), new PerfBufferOptions { PageCount = 1 });
        const uint size = 64;
        const int count = 500;
        long metered = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BpfMetrics.MeterName && instrument.Name == "gadget.bpf.perf.lost")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "map" && (string?)tag.Value == "perf_events")
                {
                    Interlocked.Add(ref metered, value);
                }
            }
        });
        listener.Start();
        Assert.True(count * BurstEmitter.RecordBytes((int)size) > 4 * reader.RingSize, "the burst must overflow the ring");

        burst.Emit(count, size, BurstEmitter.TargetPerf, cpu: 0);
        var dropped = burst.PerfDropped;
        var collector = new BurstCollector();
        var received = reader.Consume(ref collector);

        Assert.True(dropped > 0, "the kernel should have refused records");
        Assert.Equal(count, received + (long)dropped);
        Assert.Equal(received, collector.Records.Count);
        // The kernel reports the loss (PERF_RECORD_LOST) when it next writes into that CPU's ring.
        burst.Emit(1, size, BurstEmitter.TargetPerf, cpu: 0);
        received += reader.Consume(ref collector);

        Assert.Equal((long)dropped, reader.LostRecords);
        // The Gadget.Bpf meter counted the same losses, tagged with the map.
        Assert.Equal(reader.LostRecords, Interlocked.Read(ref metered));
        Assert.Equal(reader.LostRecords, collector.Losses.Sum(l => (long)l.Count));
        Assert.All(collector.Losses, l => Assert.Equal(0, l.Cpu));
        Assert.Equal(count + 1, received + reader.LostRecords);
        Assert.All(collector.Records, r =>
        {
            Assert.Equal(0, r.Cpu);
            Assert.True(r.IsIntact, $"torn record {r}");
        });
        for (var i = 1; i < collector.Records.Count; i++)
        {
            Assert.True(collector.Records[i].Sequence > collector.Records[i - 1].Sequence, "sequences must increase");
        }
        // The first records fit; the last one came after the loss.
        Assert.Equal(0ul, collector.Records[0].Sequence);
        Assert.Equal(burst.NextSequence - 1, collector.Records[^1].Sequence);
    }

    [SkippableFact]
    public void RecordsWrappingAroundTheRingEndAreDeliveredWhole()
    {
        using var burst = new BurstEmitter();
        using var reader = new PerfBufferReader(burst.Object.Map("perf_events"), new PerfBufferOptions { PageCount = 1 });
        var collector = new BurstCollector();
        var expected = new List<uint>();
        var position = 0L; // where the kernel writes next: records go one after the other from 0
        var wrapped = 0;
        for (var round = 0; round < 60; round++)
        {
            var size = (uint)(16 + (round * 37 % 241));
            const int perRound = 7;
            burst.Emit(perRound, size, BurstEmitter.TargetPerf, cpu: 0);
            for (var i = 0; i < perRound; i++)
            {
                var bytes = BurstEmitter.RecordBytes((int)size);
                if (position / reader.RingSize != (position + bytes - 1) / reader.RingSize)
                {
                    wrapped++;
                }
                position += bytes;
                expected.Add(size);
            }
            Assert.Equal(0ul, burst.PerfDropped);
            Assert.Equal(perRound, reader.Consume(ref collector));
        }

        Assert.True(wrapped >= 5, $"only {wrapped} records crossed the ring's end");
        Assert.Equal(expected.Count, collector.Records.Count);
        Assert.Empty(collector.Losses);
        for (var i = 0; i < expected.Count; i++)
        {
            var r = collector.Records[i];
            Assert.True(r.IsIntact, $"record {i} torn: {r}");
            Assert.Equal((ulong)i, r.Sequence);
            Assert.Equal(expected[i], r.Size);
        }
    }

    [SkippableFact]
    public void RecordsFromEveryCpuArrive()
    {
        using var burst = new BurstEmitter();
        using var reader = new PerfBufferReader(burst.Object.Map("perf_events"), new PerfBufferOptions { PageCount = 4 });
        foreach (var cpu in reader.Cpus)
        {
            burst.Emit(3, 32, BurstEmitter.TargetPerf, cpu);
        }
        var collector = new BurstCollector();
        Assert.Equal(3 * reader.Cpus.Count, reader.Consume(ref collector));
        Assert.Equal(reader.Cpus, collector.Records.Select(r => r.Cpu).Distinct().Order());
        Assert.Equal(BpfEnvironment.PossibleCpuCount, reader.Cpus.Count + reader.OfflineCpus.Count);
    }

    [SkippableFact]
    public void MapCreatedFromCSharpGetsOneEventPerCpu()
    {
        var cpus = BpfEnvironment.PossibleCpuCount;
        using var map = BpfMap.Create(BpfMapType.PerfEventArray, 4, 4, cpus, "perf_from_cs");
        using var reader = new PerfFlightRecorder(map, pageCount: 2);
        Assert.Equal(cpus, reader.Cpus.Count + reader.OfflineCpus.Count);
        Assert.Equal(2 * Environment.SystemPageSize, reader.RingSize);
        var none = new BurstCollector();
        Assert.Equal(0, reader.ReadNewestFirst(ref none));
    }

    [SkippableFact]
    public void WrongMapTypeIsRejectedNamingTheType()
    {
        using var burst = new BurstEmitter();
        var e = Assert.Throws<ArgumentException>(() => new PerfBufferReader(burst.Object.Map("events")));
        Assert.Contains("RingBuffer", e.Message);
        Assert.Contains("events", e.Message);
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(6)]
    public void PageCountMustBeAPowerOfTwo(int pages)
    {
        using var burst = new BurstEmitter();
        var e = Assert.Throws<ArgumentException>(() => new PerfBufferReader(burst.Object.Map("perf_events"), new PerfBufferOptions { PageCount = pages }));
        Assert.Contains("power of two", e.Message);
    }

    [SkippableFact]
    public void TheFlightRecorderChecksItsMapAndPageCountAlike()
    {
        using var burst = new BurstEmitter();
        var type = Assert.Throws<ArgumentException>(() => new PerfFlightRecorder(burst.Object.Map("events")));
        Assert.Contains("RingBuffer", type.Message);
        var pages = Assert.Throws<ArgumentException>(() => new PerfFlightRecorder(burst.Object.Map("overwrite_events"), pageCount: 3));
        Assert.Contains("power of two", pages.Message);
        Assert.Equal("pageCount", pages.ParamName);
    }
}
