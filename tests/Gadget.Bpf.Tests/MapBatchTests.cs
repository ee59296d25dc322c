using System.Runtime.InteropServices;

namespace Gadget.Bpf.Tests;

/// <summary>BPF_MAP_*_BATCH operations and their cursor, on hash maps (bucket tokens) and arrays and tries (key tokens).</summary>
public class MapBatchTests
{
    [SkippableTheory]
    [InlineData(BpfMapType.Hash, 1)]
    [InlineData(BpfMapType.Hash, 7)]
    [InlineData(BpfMapType.LruHash, 5)]
    [InlineData(BpfMapType.Hash, 500)]
    public void LookupBatchWalksAHashMapOnceAcrossCalls(BpfMapType type, int slots)
    {
        // max_entries 4096 gives 4096 buckets for 200 entries: buckets of more than one entry are rare but possible,
        // and a single-slot batch then reports ENOSPC; retry those with more slots.
        using var raw = BpfMap.Create(type, sizeof(uint), sizeof(ulong), 4096, "test_batch_hash");
        var map = raw.As<uint, ulong>();
        var expected = RandomEntries(200);
        Assert.Equal(expected.Count, map.UpdateBatch(expected.Keys.ToArray(), expected.Values.ToArray()));

        var seen = new List<KeyValuePair<uint, ulong>>();
        var cursor = default(BpfMapBatchCursor);
        var keys = new uint[slots];
        var values = new ulong[slots];
        var done = false;
        var calls = 0;
        while (!done)
        {
            int count;
            try
            {
                count = map.LookupBatch(ref cursor, keys, values, out done);
            }
            catch (ArgumentException e) when (slots < 8 && e.Message.Contains("ENOSPC"))
            {
                var bigger = new uint[8];
                var biggerValues = new ulong[8];
                count = map.LookupBatch(ref cursor, bigger, biggerValues, out done);
                seen.AddRange(bigger.Take(count).Zip(biggerValues, KeyValuePair.Create));
                calls++;
                continue;
            }
            Assert.InRange(count, 0, slots);
            seen.AddRange(keys.Take(count).Zip(values, KeyValuePair.Create));
            calls++;
            Assert.True(calls < 10_000, "the batch walk does not end");
        }

        Assert.Equal(expected.OrderBy(e => e.Key), seen.OrderBy(e => e.Key));
        if (slots < expected.Count)
        {
            Assert.True(calls > 1, "expected several batches");
        }
        Assert.Equal(expected.Count, map.Keys.Count()); // lookup does not delete
    }

    [SkippableFact]
    public void ABucketLargerThanTheBatchIsAnArgumentExceptionThatLeavesTheCursorInPlace()
    {
        // 16 entries in 16 buckets: all in different buckets has a probability of 16!/16^16, about 1e-6.
        using var raw = BpfMap.Create(BpfMapType.Hash, sizeof(uint), sizeof(ulong), 16, "test_bucket");
        var map = raw.As<uint, ulong>();
        var expected = RandomEntries(16);
        map.UpdateBatch(expected.Keys.ToArray(), expected.Values.ToArray());

        var seen = new Dictionary<uint, ulong>();
        var cursor = default(BpfMapBatchCursor);
        var one = (Keys: new uint[1], Values: new ulong[1]);
        var many = (Keys: new uint[16], Values: new ulong[16]);
        var refusals = 0;
        var done = false;
        while (!done)
        {
            int count;
            var buffer = one;
            try
            {
                count = map.LookupBatch(ref cursor, one.Keys, one.Values, out done);
            }
            catch (ArgumentException e)
            {
                Assert.Contains("test_bucket", e.Message);
                Assert.Contains("ENOSPC", e.Message);
                refusals++;
                buffer = many;
                count = map.LookupBatch(ref cursor, many.Keys, many.Values, out done);
                Assert.True(count > 1, "the bucket that did not fit one slot should hold several entries");
            }
            for (var i = 0; i < count; i++)
            {
                Assert.True(seen.TryAdd(buffer.Keys[i], buffer.Values[i]), "a key came back twice");
            }
        }

        Assert.True(refusals > 0, "no bucket held two entries");
        Assert.Equal(expected.OrderBy(e => e.Key), seen.OrderBy(e => e.Key));
    }

    [SkippableFact]
    public void LookupAndDeleteBatchEmptiesAHashMap()
    {
        using var raw = BpfMap.Create(BpfMapType.Hash, sizeof(uint), sizeof(ulong), 1024, "test_batch_lad");
        var map = raw.As<uint, ulong>();
        var expected = RandomEntries(100);
        map.UpdateBatch(expected.Keys.ToArray(), expected.Values.ToArray());

        var seen = new Dictionary<uint, ulong>();
        var cursor = default(BpfMapBatchCursor);
        var keys = new uint[16];
        var values = new ulong[16];
        bool done;
        do
        {
            var count = map.LookupAndDeleteBatch(ref cursor, keys, values, out done);
            for (var i = 0; i < count; i++)
            {
                Assert.True(seen.TryAdd(keys[i], values[i]), $"key {keys[i]} returned twice");
            }
        }
        while (!done);

        Assert.Equal(expected.OrderBy(e => e.Key), seen.OrderBy(e => e.Key));
        Assert.Empty(map.Keys);
    }

    [SkippableFact]
    public void DeleteBatchStopsAtTheFirstMissingKey()
    {
        using var raw = BpfMap.Create(BpfMapType.Hash, sizeof(uint), sizeof(ulong), 64, "test_batch_del");
        var map = raw.As<uint, ulong>();
        var entries = RandomEntries(10);
        map.UpdateBatch(entries.Keys.ToArray(), entries.Values.ToArray());
        var keys = entries.Keys.ToArray();
        var missing = keys.Max() + 1;

        var deleted = map.DeleteBatch([keys[0], keys[1], keys[2], missing, keys[3]]);

        Assert.Equal(3, deleted);
        Assert.Equal(keys.Skip(3).Order(), map.Keys.Order());
        Assert.Equal(7, map.DeleteBatch(keys.Skip(3).ToArray()));
        Assert.Empty(map.Keys);
    }

    [SkippableFact]
    public void UpdateBatchReplacesAndRefusesWhatTheKernelRefuses()
    {
        using var raw = BpfMap.Create(BpfMapType.Hash, sizeof(uint), sizeof(ulong), 4, "test_bflags");
        var map = raw.As<uint, ulong>();
        map[2] = 20;
        Assert.Equal(3, map.UpdateBatch([1u, 2u, 3u], [1ul, 2ul, 3ul]));
        Assert.Equal(2ul, map[2]);

        // The kernel takes no BPF_NOEXIST/BPF_EXIST in batches: refused before the system call.
        var flags = Assert.Throws<ArgumentException>(() => map.UpdateBatch([7u], [7ul], BpfMapUpdateFlags.NoExist));
        Assert.Contains("test_bflags", flags.Message);
        Assert.Throws<ArgumentException>(() => map.UpdateBatch([2u], [2ul], BpfMapUpdateFlags.Exist));
        Assert.Throws<ArgumentException>(() => map.UpdateBatch([1u, 2u], [1ul]));
        Assert.False(map.TryLookup(7, out _));

        // A full map stops the batch; entries before the failing one are written.
        var full = Assert.Throws<BpfException>(() => map.UpdateBatch([4u, 5u, 6u], [4ul, 5ul, 6ul]));
        Assert.Equal(Errno.E2BIG, full.Errno);
        Assert.Equal(4ul, map[4]);
        Assert.False(map.TryLookup(5, out _));
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(16)]
    [InlineData(40)]
    public void LookupBatchWalksAnArrayInIndexOrderUsingTheKeyAsToken(int slots)
    {
        using var obj = MapsObject.Load();
        var raw = obj.Map("array_map");
        var array = raw.As<uint, ulong>();
        var indexes = Enumerable.Range(0, raw.MaxEntries).Select(i => (uint)i).ToArray();
        var written = indexes.Select(_ => (ulong)Random.Shared.NextInt64()).ToArray();
        Assert.Equal(indexes.Length, array.UpdateBatch(indexes, written));

        var keys = new uint[slots];
        var values = new ulong[slots];
        var seenKeys = new List<uint>();
        var seenValues = new List<ulong>();
        var cursor = default(BpfMapBatchCursor);
        bool done;
        do
        {
            var count = array.LookupBatch(ref cursor, keys, values, out done);
            seenKeys.AddRange(keys.Take(count));
            seenValues.AddRange(values.Take(count));
        }
        while (!done && seenKeys.Count <= indexes.Length);

        Assert.Equal(indexes, seenKeys);
        Assert.Equal(written, seenValues);
    }

    [SkippableFact]
    public void ArraysHaveNoDeleteBatches()
    {
        using var obj = MapsObject.Load();
        var array = obj.Map("array_map").As<uint, ulong>();
        var cursor = default(BpfMapBatchCursor);
        var e = Assert.Throws<BpfFeatureNotSupportedException>(() => array.LookupAndDeleteBatch(ref cursor, new uint[4], new ulong[4], out _));
        Assert.Contains("array_map", e.Message);
        Assert.Throws<BpfFeatureNotSupportedException>(() => array.DeleteBatch([0u, 1u]));
        Assert.Throws<ArgumentException>(() => array.LookupBatch(ref cursor, [], [], out _));
    }

    [SkippableFact]
    public void LookupBatchOfATrieCarriesKeysLargerThanEightBytesAsToken()
    {
        // An LPM trie uses the generic batch code, whose token is a whole key: 20 bytes here.
        using var raw = BpfMap.Create(BpfMapType.LpmTrie, Marshal.SizeOf<Ipv6Prefix>(), sizeof(ulong), 64, "test_trie", flags: 1);
        var trie = raw.As<Ipv6Prefix, ulong>();
        var expected = new Dictionary<Ipv6Prefix, ulong>();
        while (expected.Count < 20)
        {
            var prefix = new Ipv6Prefix { PrefixLength = 128 };
            Random.Shared.NextBytes(prefix.Address);
            expected[prefix] = (ulong)Random.Shared.NextInt64();
        }
        foreach (var (key, value) in expected)
        {
            trie[key] = value;
        }

        var keys = new Ipv6Prefix[3];
        var values = new ulong[3];
        var seen = new Dictionary<Ipv6Prefix, ulong>();
        var cursor = default(BpfMapBatchCursor);
        bool done;
        var calls = 0;
        do
        {
            var count = trie.LookupBatch(ref cursor, keys, values, out done);
            for (var i = 0; i < count; i++)
            {
                Assert.True(seen.TryAdd(keys[i], values[i]), "a key came back twice");
            }
            Assert.True(++calls < 100, "the batch walk does not end");
        }
        while (!done);

        Assert.Equal(expected.Count, seen.Count);
        Assert.All(expected, e => Assert.Equal(e.Value, seen[e.Key]));
    }

    [SkippableFact]
    public void ACursorIsRefusedByAMapOfAnotherTypeOrKeySizeAndItsOwnWalkGoesOn()
    {
        // Key tokens are whole keys: the kernel writes as many bytes as the map's keys have into the cursor's token, so a
        // cursor of a trie with 20-byte keys passed to one with 68-byte keys would be overrun by 48 bytes.
        using var smallRaw = BpfMap.Create(BpfMapType.LpmTrie, Marshal.SizeOf<Ipv6Prefix>(), sizeof(ulong), 16, "test_small_trie", flags: 1);
        using var largeRaw = BpfMap.Create(BpfMapType.LpmTrie, Marshal.SizeOf<LongPrefix>(), sizeof(ulong), 16, "test_large_trie", flags: 1);
        using var hashRaw = BpfMap.Create(BpfMapType.Hash, sizeof(uint), sizeof(ulong), 16, "test_batch_hash");
        using var arrayRaw = BpfMap.Create(BpfMapType.Array, sizeof(uint), sizeof(ulong), 4, "test_batch_arr");
        var small = smallRaw.As<Ipv6Prefix, ulong>();
        var large = largeRaw.As<LongPrefix, ulong>();
        var hash = hashRaw.As<uint, ulong>();
        var array = arrayRaw.As<uint, ulong>();
        for (var i = 0; i < 4; i++)
        {
            var smallKey = new Ipv6Prefix { PrefixLength = 128 };
            Random.Shared.NextBytes(smallKey.Address);
            small[smallKey] = (ulong)i;
            var largeKey = new LongPrefix { PrefixLength = 512 };
            Random.Shared.NextBytes(largeKey.Data);
            large[largeKey] = (ulong)i;
        }
        hash[(uint)Random.Shared.Next()] = 1; // one entry: a one-slot batch of a hash map cannot meet a fuller bucket (ENOSPC)

        var smallKeys = new Ipv6Prefix[1];
        var largeKeys = new LongPrefix[1];
        var uintKeys = new uint[1];
        var values = new ulong[1];
        var smallCursor = default(BpfMapBatchCursor);
        var largeCursor = default(BpfMapBatchCursor);
        var hashCursor = default(BpfMapBatchCursor);
        Assert.Equal(1, small.LookupBatch(ref smallCursor, smallKeys, values, out _));
        Assert.Equal(1, large.LookupBatch(ref largeCursor, largeKeys, values, out _));
        Assert.Equal(1, hash.LookupBatch(ref hashCursor, uintKeys, values, out _));

        var largerToken = largeCursor;
        var toSmaller = Assert.Throws<ArgumentException>(() => small.LookupBatch(ref largerToken, smallKeys, values, out _));
        Assert.Contains("'test_small_trie'", toSmaller.Message);
        Assert.Contains("68-byte keys", toSmaller.Message);
        Assert.Contains("20-byte keys", toSmaller.Message);
        Assert.Equal("cursor", toSmaller.ParamName);
        var smallerToken = smallCursor;
        var toLarger = Assert.Throws<ArgumentException>(() => large.LookupBatch(ref smallerToken, largeKeys, values, out _));
        Assert.Contains("'test_large_trie'", toLarger.Message);
        var bucketToken = hashCursor;
        var toArray = Assert.Throws<ArgumentException>(() => array.LookupBatch(ref bucketToken, uintKeys, values, out _));
        Assert.Contains("Hash map", toArray.Message);
        Assert.Contains("'test_batch_arr' (Array", toArray.Message);
        var perCpu = BpfMap.Create(BpfMapType.PerCpuArray, sizeof(uint), sizeof(ulong), 4, "test_batch_pcpu");
        using (perCpu)
        {
            var perCpuCursor = hashCursor;
            Assert.Throws<ArgumentException>(() => perCpu.AsPerCpu<uint, ulong>().LookupBatch(
                ref perCpuCursor, uintKeys, new ulong[BpfEnvironment.PossibleCpuCount], out _));
        }

        // The refused calls moved nothing: each walk goes on with its own cursor and sees the rest of its map once.
        Assert.Equal(3, Rest(small, smallCursor));
        Assert.Equal(3, Rest(large, largeCursor));
        Assert.Equal(0, Rest(hash, hashCursor));
        GC.Collect(); // a token overrun would have corrupted the managed heap: the collector walks it
        GC.WaitForPendingFinalizers();

        static int Rest<TKey>(BpfMap<TKey, ulong> map, BpfMapBatchCursor cursor)
            where TKey : unmanaged
        {
            var keys = new TKey[8];
            var values = new ulong[8];
            var total = 0;
            bool done;
            do
            {
                total += map.LookupBatch(ref cursor, keys, values, out done);
            }
            while (!done);
            return total;
        }
    }

    private static Dictionary<uint, ulong> RandomEntries(int count)
    {
        var entries = new Dictionary<uint, ulong>();
        while (entries.Count < count)
        {
            entries[(uint)Random.Shared.Next()] = (ulong)Random.Shared.NextInt64();
        }
        return entries;
    }

    /// <summary><c>struct bpf_lpm_trie_key</c> for IPv6: prefix length, then 16 address bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Ipv6Prefix : IEquatable<Ipv6Prefix>
    {
        public uint PrefixLength;
        public Address16 Address;

        public readonly bool Equals(Ipv6Prefix other) =>
            PrefixLength == other.PrefixLength && ((ReadOnlySpan<byte>)Address).SequenceEqual(other.Address);

        public override readonly bool Equals(object? obj) => obj is Ipv6Prefix other && Equals(other);

        public override readonly int GetHashCode()
        {
            var hash = new HashCode();
            hash.Add(PrefixLength);
            hash.AddBytes(Address);
            return hash.ToHashCode();
        }
    }

    [System.Runtime.CompilerServices.InlineArray(16)]
    private struct Address16
    {
        private byte _element;
    }

    /// <summary>An LPM trie key with 64 data bytes: 68 bytes in all.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct LongPrefix
    {
        public uint PrefixLength;
        public Data64 Data;
    }

    [System.Runtime.CompilerServices.InlineArray(64)]
    private struct Data64
    {
        private byte _element;
    }
}
