using System.Runtime.InteropServices;

namespace Gadget.Bpf.Tests;

/// <summary>Per-CPU hash, array and LRU hash maps: values per CPU written by BPF on a chosen CPU, and by C#.</summary>
public class PerCpuMapTests
{
    [SkippableFact]
    public void BpfCountsOnTheCpuItRunsOnAndCSharpReadsEachCpu()
    {
        using var obj = MapsObject.Load();
        var hash = obj.Map("percpu_hash").AsPerCpu<uint, ulong>();
        var array = obj.Map("percpu_array").AsPerCpu<uint, PerCpuRecord>();
        var lru = obj.Map("lru_percpu_hash").AsPerCpu<uint, uint>();
        Assert.Equal(BpfEnvironment.PossibleCpuCount, hash.CpuCount);
        var key = (uint)Random.Shared.Next(0, 4);
        var added = new ulong[hash.CpuCount];
        var runs = new uint[hash.CpuCount];

        foreach (var cpu in OnlineCpus.List())
        {
            for (var run = 0; run <= cpu % 2; run++) // one run on even CPUs, two on odd ones
            {
                var amount = (ulong)Random.Shared.Next(1, 1 << 20);
                Assert.Equal((uint)cpu, MapsObject.Run(obj, "percpu_add", key, amount, cpu: cpu));
                added[cpu] += amount;
                runs[cpu]++;
            }
        }

        var totals = new ulong[hash.CpuCount];
        Assert.True(hash.TryLookup(key, totals));
        Assert.Equal(added, totals);
        Assert.True(hash.TrySum(key, out var sum));
        Assert.Equal(added.Aggregate(0ul, (a, b) => a + b), sum);

        var records = new PerCpuRecord[array.CpuCount];
        Assert.True(array.TryLookup(key, records));
        for (var cpu = 0; cpu < records.Length; cpu++)
        {
            Assert.Equal((uint)added[cpu], records[cpu].Total);
            Assert.Equal(runs[cpu], records[cpu].Runs);
            Assert.Equal(runs[cpu] > 0 ? (uint)cpu : 0u, records[cpu].Cpu);
        }

        var small = new uint[lru.CpuCount];
        Assert.True(lru.TryLookup(key, small));
        Assert.Equal(added.Select(a => (uint)a), small);
        Assert.Equal([key], lru.Keys.ToArray());
        Assert.False(hash.TryLookup(key + 1, totals));
        Assert.False(hash.TrySum(key + 1, out var none));
        Assert.Equal(0ul, none);
    }

    [SkippableFact]
    public void ValuesWrittenPerCpuByCSharpAreSeenByBpfOnThatCpu()
    {
        using var obj = MapsObject.Load();
        var hash = obj.Map("percpu_hash").AsPerCpu<uint, ulong>();
        var array = obj.Map("percpu_array").AsPerCpu<uint, PerCpuRecord>();
        var key = (uint)Random.Shared.Next(0, 4);
        var values = Enumerable.Range(0, hash.CpuCount).Select(_ => (ulong)(uint)Random.Shared.Next(1, int.MaxValue)).ToArray();
        hash.Update(key, values, BpfMapUpdateFlags.NoExist);
        var records = Enumerable.Range(0, array.CpuCount)
            .Select(cpu => new PerCpuRecord { Total = (uint)Random.Shared.Next(1, 1 << 20), Cpu = 1000 + (uint)cpu, Runs = 7 })
            .ToArray();
        array.Update(key, records);

        var amount = (ulong)Random.Shared.Next(1, 1000);
        foreach (var cpu in OnlineCpus.List())
        {
            Assert.Equal((uint)values[cpu], ReadOn(cpu));
            MapsObject.Run(obj, "percpu_add", key, amount, cpu: cpu);
        }

        // BPF added to what C# wrote, each CPU in its own slot: the padding between CPUs was laid out right.
        var after = new PerCpuRecord[array.CpuCount];
        Assert.True(array.TryLookup(key, after));
        var totals = new ulong[hash.CpuCount];
        Assert.True(hash.TryLookup(key, totals));
        var online = OnlineCpus.List();
        for (var cpu = 0; cpu < after.Length; cpu++)
        {
            var ran = online.Contains(cpu);
            Assert.Equal(records[cpu].Total + (ran ? (uint)amount : 0), after[cpu].Total);
            Assert.Equal(ran ? (uint)cpu : records[cpu].Cpu, after[cpu].Cpu);
            Assert.Equal(records[cpu].Runs + (ran ? 1u : 0u), after[cpu].Runs);
            Assert.Equal(values[cpu] + (ran ? amount : 0), totals[cpu]);
        }

        uint ReadOn(int cpu) => MapsObject.Run(obj, "read_map", (ulong)MapsObject.Source.PerCpuHash, key, cpu: cpu);
    }

    [SkippableTheory]
    [InlineData(BpfMapType.PerCpuHash)]
    [InlineData(BpfMapType.LruPerCpuHash)]
    [InlineData(BpfMapType.PerCpuArray)]
    public void MapsCreatedFromCSharpRoundTripPaddedValues(BpfMapType type)
    {
        using var raw = BpfMap.Create(type, sizeof(uint), Marshal.SizeOf<PerCpuRecord>(), 8, "test_" + type);
        Assert.True(raw.IsPerCpu);
        var map = raw.AsPerCpu<uint, PerCpuRecord>();
        var key = (uint)Random.Shared.Next(0, 8);
        var written = Enumerable.Range(0, map.CpuCount)
            .Select(_ => new PerCpuRecord { Total = (uint)Random.Shared.Next(), Cpu = (uint)Random.Shared.Next(), Runs = (uint)Random.Shared.Next() })
            .ToArray();
        map.Update(key, written);

        var read = new PerCpuRecord[map.CpuCount];
        Assert.True(map.TryLookup(key, read));
        Assert.Equal(written, read);

        // The raw API sees the kernel layout: each CPU's 12 bytes padded to 16.
        var bytes = new byte[16 * map.CpuCount];
        Assert.True(raw.TryLookup(BitConverter.GetBytes(key), bytes));
        for (var cpu = 0; cpu < map.CpuCount; cpu++)
        {
            Assert.Equal(written[cpu], MemoryMarshal.Read<PerCpuRecord>(bytes.AsSpan(16 * cpu)));
        }

        if (type == BpfMapType.PerCpuArray)
        {
            Assert.Equal(8, map.Keys.Count());
            var e = Assert.Throws<NotSupportedException>(() => map.Delete(key));
            Assert.Contains(raw.Name, e.Message);
        }
        else
        {
            Assert.Equal([key], map.Keys.ToArray());
            Assert.Throws<InvalidOperationException>(() => map.Update(key, written, BpfMapUpdateFlags.NoExist));
            Assert.Throws<KeyNotFoundException>(() => map.Update(key + 1, written, BpfMapUpdateFlags.Exist));
            Assert.True(map.Delete(key));
            Assert.False(map.Delete(key));
            Assert.False(map.TryLookup(key, read));
        }
    }

    [SkippableTheory]
    [InlineData(BpfMapType.PerCpuHash, 1)]
    [InlineData(BpfMapType.PerCpuHash, 4)]
    [InlineData(BpfMapType.LruPerCpuHash, 3)]
    [InlineData(BpfMapType.PerCpuArray, 5)]
    public void BatchesCarryEveryCpusPaddedValue(BpfMapType type, int slots)
    {
        const int entries = 12;
        using var raw = BpfMap.Create(type, sizeof(uint), Marshal.SizeOf<PerCpuRecord>(), 4096, "test_pc_batch");
        var map = raw.AsPerCpu<uint, PerCpuRecord>();
        var cpus = map.CpuCount;
        var keys = type == BpfMapType.PerCpuArray
            ? Enumerable.Range(0, entries).Select(i => (uint)i * 7).ToArray()
            : Enumerable.Range(0, entries).Select(_ => (uint)Random.Shared.Next()).Distinct().ToArray();
        var written = Enumerable.Range(0, keys.Length * cpus)
            .Select(_ => new PerCpuRecord((uint)Random.Shared.Next(), (uint)Random.Shared.Next(), (uint)Random.Shared.Next()))
            .ToArray();
        Assert.Equal(keys.Length, map.UpdateBatch(keys, written));
        Assert.Throws<ArgumentException>(() => map.UpdateBatch(keys, written.AsSpan(1)));

        var expected = keys.Select((k, i) => (k, written.AsSpan(i * cpus, cpus).ToArray())).ToDictionary(e => e.k, e => e.Item2);
        var seen = new Dictionary<uint, PerCpuRecord[]>();
        var batchKeys = new uint[slots];
        var batchValues = new PerCpuRecord[slots * cpus];
        var cursor = default(BpfMapBatchCursor);
        bool done;
        do
        {
            int count;
            try
            {
                count = map.LookupBatch(ref cursor, batchKeys, batchValues, out done);
            }
            catch (ArgumentException) when (slots == 1)
            {
                // ENOSPC: a bucket holds two entries. Take it with more slots.
                var moreKeys = new uint[8];
                var moreValues = new PerCpuRecord[8 * cpus];
                count = map.LookupBatch(ref cursor, moreKeys, moreValues, out done);
                Collect(moreKeys, moreValues, count);
                continue;
            }
            Collect(batchKeys, batchValues, count);
        }
        while (!done);

        if (type == BpfMapType.PerCpuArray)
        {
            // Every index exists: the written ones carry their values, the others zeros.
            Assert.Equal(raw.MaxEntries, seen.Count);
            Assert.All(seen, e => Assert.Equal(expected.TryGetValue(e.Key, out var v) ? v : new PerCpuRecord[cpus], e.Value));
        }
        else
        {
            Assert.Equal(expected.OrderBy(e => e.Key), seen.OrderBy(e => e.Key));
            Assert.Equal(keys.Length, map.DeleteBatch(keys));
            Assert.Empty(map.Keys);
        }

        void Collect(uint[] batchKeys, PerCpuRecord[] batchValues, int count)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.True(seen.TryAdd(batchKeys[i], batchValues.AsSpan(i * cpus, cpus).ToArray()), "a key came back twice");
            }
        }
    }

    [SkippableFact]
    public void LookupAndDeleteBatchReadsWhatBpfCountedPerCpu()
    {
        using var obj = MapsObject.Load();
        var hash = obj.Map("percpu_hash").AsPerCpu<uint, ulong>();
        var expected = new Dictionary<uint, ulong[]>();
        foreach (var cpu in OnlineCpus.List())
        {
            for (uint key = 0; key < 3; key++)
            {
                var amount = (ulong)Random.Shared.Next(1, 1000);
                MapsObject.Run(obj, "percpu_add", key, amount, cpu: cpu);
                var perCpu = expected.TryGetValue(key, out var existing) ? existing : expected[key] = new ulong[hash.CpuCount];
                perCpu[cpu] += amount;
            }
        }

        var keys = new uint[16];
        var values = new ulong[16 * hash.CpuCount];
        var cursor = default(BpfMapBatchCursor);
        var count = hash.LookupAndDeleteBatch(ref cursor, keys, values, out var done);

        Assert.True(done);
        Assert.Equal(expected.Count, count);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(expected[keys[i]], values.AsSpan(i * hash.CpuCount, hash.CpuCount).ToArray());
        }
        Assert.Empty(hash.Keys);
    }

    [SkippableFact]
    public void UnpaddedValuesRoundTripToo()
    {
        using var raw = BpfMap.Create(BpfMapType.PerCpuHash, sizeof(ulong), sizeof(long), 8, "test_unpadded");
        var map = raw.AsPerCpu<ulong, long>();
        var written = Enumerable.Range(0, map.CpuCount).Select(_ => Random.Shared.NextInt64()).ToArray();
        map.Update(ulong.MaxValue, written);
        var read = new long[map.CpuCount];
        Assert.True(map.TryLookup(ulong.MaxValue, read));
        Assert.Equal(written, read);
    }

    [SkippableFact]
    public void WrongLengthsAndSizesThrowArgumentExceptionBeforeAnySystemCall()
    {
        var raw = BpfMap.Create(BpfMapType.PerCpuHash, sizeof(uint), sizeof(uint), 8, "test_lengths");
        var map = raw.AsPerCpu<uint, uint>();
        var tooMany = Assert.Throws<ArgumentException>(() => map.TryLookup(1, new uint[map.CpuCount + 1]));
        Assert.Contains("test_lengths", tooMany.Message);
        Assert.Contains($"{map.CpuCount} values", tooMany.Message);
        Assert.Throws<ArgumentException>(() => map.Update(1, new uint[map.CpuCount - 1]));
        var rawValue = Assert.Throws<ArgumentException>(() => raw.TryLookup(new byte[4], new byte[4]));
        Assert.Contains("test_lengths", rawValue.Message);
        Assert.Contains("CPUs", rawValue.Message);
        var value = Assert.Throws<ArgumentException>(() => raw.AsPerCpu<uint, ulong>());
        Assert.Contains("test_lengths", value.Message);
        Assert.Contains("8 bytes", value.Message);
        Assert.Contains("4 bytes", value.Message);

        // After dispose the same mistakes are still ArgumentException: they are caught before the descriptor is used.
        raw.Dispose();
        Assert.Throws<ArgumentException>(() => map.TryLookup(1, new uint[map.CpuCount + 1]));
        Assert.Throws<ObjectDisposedException>(() => map.TryLookup(1, new uint[map.CpuCount]));
        Assert.Throws<ObjectDisposedException>(() => map.Update(1, new uint[map.CpuCount]));
    }

    [SkippableFact]
    public void PaddedLookupsAndUpdatesDoNotAllocate()
    {
        using var raw = BpfMap.Create(BpfMapType.PerCpuArray, sizeof(uint), Marshal.SizeOf<PerCpuRecord>(), 4, "test_noalloc");
        var map = raw.AsPerCpu<uint, PerCpuRecord>();
        var values = new PerCpuRecord[map.CpuCount];
        values[0].Total = 5;
        map.Update(1, values);
        Assert.True(map.TryLookup(1, values));

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            values[0].Runs = (uint)i;
            map.Update(1, values);
            map.TryLookup(1, values);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(999u, values[0].Runs);
    }

    [SkippableFact]
    public void PerCpuViewsLeakNoDescriptors()
    {
        FdCounter.AssertNoLeak(() =>
        {
            using var raw = BpfMap.Create(BpfMapType.LruPerCpuHash, sizeof(uint), sizeof(uint), 8, "test_pc_leak");
            var map = raw.AsPerCpu<uint, uint>();
            map.Update(3, new uint[map.CpuCount]);
            Assert.True(map.TrySum(3u, out var total));
            Assert.Equal(0u, total);
        });
    }

    /// <summary>Mirror of <c>struct percpu_record</c> in bpf/maps.bpf.c: 12 bytes, padded to 16 per CPU by the kernel.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private record struct PerCpuRecord(uint Total, uint Cpu, uint Runs);
}
