using System.Runtime.InteropServices;

namespace Gadget.Bpf.Tests;

/// <summary>Hash, array, LRU, queue, stack and bloom filter maps, from an object file and created from C#.</summary>
public class MapTests
{
    private const uint NoPrealloc = 1; // BPF_F_NO_PREALLOC

    [SkippableFact]
    public void ValuesWrittenByBpfAreReadByCSharp()
    {
        using var obj = MapsObject.Load();
        var key = (uint)Random.Shared.Next(0, 16);
        var value = (ulong)Random.Shared.NextInt64(1, long.MaxValue);

        var accepted = MapsObject.Run(obj, "write_maps", key, value);

        Assert.Equal(5u, accepted);
        var hash = obj.Map("hash_map").As<uint, ulong>();
        var array = obj.Map("array_map").As<uint, ulong>();
        var lru = obj.Map("lru_map").As<uint, ulong>();
        Assert.Equal(value, hash[key]);
        Assert.Equal(value, array[key]);
        Assert.Equal(value, lru[key]);
        Assert.Equal([key], hash.Keys.ToArray());
        Assert.Equal([new KeyValuePair<uint, ulong>(key, value)], lru.Entries.ToArray());
        Assert.False(hash.TryLookup(key + 1, out _));
        Assert.Equal(0ul, array[(key + 1) % 16]);

        var queue = obj.Map("queue");
        Span<byte> popped = stackalloc byte[8];
        Assert.True(queue.TryLookupAndDelete(ReadOnlySpan<byte>.Empty, popped));
        Assert.Equal(value, MemoryMarshal.Read<ulong>(popped));
        Assert.False(queue.TryLookupAndDelete(ReadOnlySpan<byte>.Empty, popped));

        var bloom = obj.Map("bloom");
        Assert.True(bloom.TryLookup(ReadOnlySpan<byte>.Empty, BitConverter.GetBytes(key)));
    }

    [SkippableFact]
    public void ValuesWrittenByCSharpAreReadByBpf()
    {
        using var obj = MapsObject.Load();
        var key = (uint)Random.Shared.Next(0, 16);
        var value = (ulong)(uint)Random.Shared.Next(1, int.MaxValue);
        var hash = obj.Map("hash_map").As<uint, ulong>();
        var array = obj.Map("array_map").As<uint, ulong>();
        var lru = obj.Map("lru_map").As<uint, ulong>();

        Assert.Equal(MapsObject.Missing, MapsObject.Read(obj, MapsObject.Source.Hash, key));
        hash[key] = value;
        array[key] = value + 1;
        lru.Update(key, value + 2, BpfMapUpdateFlags.NoExist);

        Assert.Equal((uint)value, MapsObject.Read(obj, MapsObject.Source.Hash, key));
        Assert.Equal((uint)value + 1, MapsObject.Read(obj, MapsObject.Source.Array, key));
        Assert.Equal((uint)value + 2, MapsObject.Read(obj, MapsObject.Source.Lru, key));
        Assert.Equal(MapsObject.Missing, MapsObject.Read(obj, MapsObject.Source.Hash, key + 1));
        Assert.Equal(MapsObject.Missing, MapsObject.Read(obj, MapsObject.Source.Array, 16));

        Assert.True(hash.Delete(key));
        Assert.False(hash.Delete(key));
        Assert.Equal(MapsObject.Missing, MapsObject.Read(obj, MapsObject.Source.Hash, key));
    }

    [SkippableFact]
    public void StackPushedByCSharpIsPoppedByBpfLastInFirstOut()
    {
        using var obj = MapsObject.Load();
        var stack = obj.Map("stack");
        var first = (ulong)Random.Shared.Next(1, int.MaxValue);
        var second = first + 1;
        stack.Update(ReadOnlySpan<byte>.Empty, BitConverter.GetBytes(first));
        stack.Update(ReadOnlySpan<byte>.Empty, BitConverter.GetBytes(second));

        Assert.Equal((uint)second, MapsObject.Read(obj, MapsObject.Source.StackPop, 0));
        Assert.Equal((uint)first, MapsObject.Read(obj, MapsObject.Source.StackPop, 0));
        Assert.Equal(MapsObject.Missing, MapsObject.Read(obj, MapsObject.Source.StackPop, 0));
    }

    [SkippableFact]
    public void BloomFilterFedByCSharpIsQueriedByBpf()
    {
        using var obj = MapsObject.Load();
        var bloom = obj.Map("bloom");
        var added = Enumerable.Range(0, 8).Select(_ => (uint)Random.Shared.Next(1000, int.MaxValue)).ToArray();
        foreach (var value in added)
        {
            bloom.Update(ReadOnlySpan<byte>.Empty, BitConverter.GetBytes(value));
        }

        Assert.All(added, value => Assert.Equal(1u, MapsObject.Read(obj, MapsObject.Source.Bloom, value)));
        // A bloom filter may answer "maybe" for absent values, but not for all of 50 of them.
        var absentHits = Enumerable.Range(0, 50).Count(i => MapsObject.Read(obj, MapsObject.Source.Bloom, (ulong)i) == 1);
        Assert.True(absentHits < 50, "the bloom filter claims to contain every value");
    }

    [SkippableFact]
    public void QueueAndStackCreatedFromCSharpKeepTheirOrderAndCapacity()
    {
        using var queue = BpfMap.Create(BpfMapType.Queue, 0, sizeof(ulong), 4, "test_queue");
        using var stack = BpfMap.Create(BpfMapType.Stack, 0, sizeof(ulong), 4, "test_stack");
        var values = Enumerable.Range(0, 4).Select(_ => (ulong)Random.Shared.NextInt64()).ToArray();
        foreach (var value in values)
        {
            queue.Update(ReadOnlySpan<byte>.Empty, BitConverter.GetBytes(value));
            stack.Update(ReadOnlySpan<byte>.Empty, BitConverter.GetBytes(value));
        }

        var full = Assert.Throws<BpfException>(() => queue.Update(ReadOnlySpan<byte>.Empty, BitConverter.GetBytes(1ul)));
        Assert.Equal(Errno.E2BIG, full.Errno);
        Assert.Contains("test_queue", full.Message);

        var buffer = new byte[8];
        Assert.True(queue.TryLookup(ReadOnlySpan<byte>.Empty, buffer)); // peek
        Assert.Equal(values[0], BitConverter.ToUInt64(buffer));
        Assert.Equal(values, Drain(queue));
        Assert.Equal(values.Reverse(), Drain(stack));

        // BPF_EXIST on a full queue drops the oldest value to make room.
        foreach (var value in values)
        {
            queue.Update(ReadOnlySpan<byte>.Empty, BitConverter.GetBytes(value));
        }
        queue.Update(ReadOnlySpan<byte>.Empty, BitConverter.GetBytes(42ul), BpfMapUpdateFlags.Exist);
        Assert.Equal(values.Skip(1).Append(42ul), Drain(queue));

        static List<ulong> Drain(BpfMap map)
        {
            var result = new List<ulong>();
            var value = new byte[8];
            while (map.TryLookupAndDelete(ReadOnlySpan<byte>.Empty, value))
            {
                result.Add(BitConverter.ToUInt64(value));
            }
            return result;
        }
    }

    [SkippableFact]
    public void BloomFilterCreatedFromCSharpContainsWhatWasAdded()
    {
        KernelFeatures.Require(KernelFeatures.BloomFilter);
        using var bloom = BpfMap.Create(BpfMapType.BloomFilter, 0, sizeof(ulong), 128, "test_bloom");
        var added = Enumerable.Range(0, 32).Select(_ => (ulong)Random.Shared.NextInt64()).ToArray();
        foreach (var value in added)
        {
            bloom.Update(ReadOnlySpan<byte>.Empty, BitConverter.GetBytes(value));
        }
        Assert.All(added, value => Assert.True(bloom.TryLookup(ReadOnlySpan<byte>.Empty, BitConverter.GetBytes(value))));
        var absentHits = Enumerable.Range(0, 100).Count(_ => bloom.TryLookup(ReadOnlySpan<byte>.Empty, BitConverter.GetBytes((ulong)Random.Shared.NextInt64())));
        Assert.True(absentHits < 100, "the bloom filter claims to contain every value");
    }

    [SkippableTheory]
    [InlineData(BpfMapType.Hash, 0u)]
    [InlineData(BpfMapType.Hash, NoPrealloc)]
    [InlineData(BpfMapType.LruHash, 0u)]
    [InlineData(BpfMapType.Array, 0u)]
    public void MapsCreatedFromCSharpStoreAndIterate(BpfMapType type, uint flags)
    {
        const int capacity = 64;
        using var raw = BpfMap.Create(type, sizeof(uint), sizeof(long), capacity, "test_" + type, flags);
        Assert.Equal(type, raw.Type);
        Assert.Equal(capacity, raw.MaxEntries);
        Assert.Equal(flags, raw.Flags);
        Assert.NotEqual(0u, raw.Id);
        var map = raw.As<uint, long>();
        var expected = new Dictionary<uint, long>();
        while (expected.Count < 40)
        {
            expected[(uint)Random.Shared.Next(0, capacity)] = Random.Shared.NextInt64();
        }
        foreach (var (key, value) in expected)
        {
            map[key] = value;
        }

        if (type == BpfMapType.Array)
        {
            // Every index of an array exists; those not written are zero.
            Assert.Equal(Enumerable.Range(0, capacity).Select(i => (uint)i), map.Keys);
            Assert.All(map.Entries, e => Assert.Equal(expected.GetValueOrDefault(e.Key), e.Value));
        }
        else
        {
            Assert.Equal(expected.OrderBy(e => e.Key), map.Entries.OrderBy(e => e.Key));
        }
    }

    [SkippableFact]
    public void UpdateFlagsAreEnforced()
    {
        using var raw = BpfMap.Create(BpfMapType.Hash, sizeof(uint), sizeof(ulong), 8, "test_flags");
        var map = raw.As<uint, ulong>();
        var key = (uint)Random.Shared.Next();

        var missing = Assert.Throws<KeyNotFoundException>(() => map.Update(key, 1, BpfMapUpdateFlags.Exist));
        Assert.Contains("test_flags", missing.Message);
        Assert.True(map.TryAdd(key, 1));
        Assert.False(map.TryAdd(key, 2));
        Assert.Equal(1ul, map[key]);
        var exists = Assert.Throws<InvalidOperationException>(() => map.Update(key, 3, BpfMapUpdateFlags.NoExist));
        Assert.Contains("test_flags", exists.Message);
        map.Update(key, 4, BpfMapUpdateFlags.Exist);
        Assert.Equal(4ul, map[key]);
        Assert.Throws<KeyNotFoundException>(() => map[key + 1]);

        // The raw span API maps the same errors.
        Assert.Throws<InvalidOperationException>(() => raw.Update(BitConverter.GetBytes(key), BitConverter.GetBytes(5ul), BpfMapUpdateFlags.NoExist));
        Assert.Throws<KeyNotFoundException>(() => raw.Update(BitConverter.GetBytes(key + 1), BitConverter.GetBytes(5ul), BpfMapUpdateFlags.Exist));

        // Array entries always exist: NoExist always fails, Exist always succeeds within range.
        using var array = BpfMap.Create(BpfMapType.Array, sizeof(uint), sizeof(ulong), 4, "test_flags_arr");
        var typedArray = array.As<uint, ulong>();
        Assert.Throws<InvalidOperationException>(() => typedArray.Update(1, 1, BpfMapUpdateFlags.NoExist));
        typedArray.Update(1, 7, BpfMapUpdateFlags.Exist);
        Assert.Equal(7ul, typedArray[1]);
    }

    [SkippableFact]
    public void LookupAndDeleteRemovesTheEntry()
    {
        using var raw = BpfMap.Create(BpfMapType.Hash, sizeof(uint), sizeof(ulong), 8, "test_lad");
        var map = raw.As<uint, ulong>();
        var value = (ulong)Random.Shared.NextInt64();
        map[3] = value;
        Assert.True(map.TryLookupAndDelete(3, out var taken));
        Assert.Equal(value, taken);
        Assert.False(map.TryLookup(3, out _));
        Assert.False(map.TryLookupAndDelete(3, out _));
    }

    [SkippableFact]
    public void FullHashMapThrowsE2BigButStillReplacesExistingKeys()
    {
        using var raw = BpfMap.Create(BpfMapType.Hash, sizeof(uint), sizeof(ulong), 4, "test_full");
        var map = raw.As<uint, ulong>();
        for (uint i = 0; i < 4; i++)
        {
            map[i] = i;
        }

        var full = Assert.Throws<BpfException>(() => map[4] = 4);
        Assert.Equal(Errno.E2BIG, full.Errno);
        Assert.Contains("test_full", full.Message);
        Assert.Contains("full", full.Message);
        Assert.Throws<BpfException>(() => map.TryAdd(5, 5));
        map[2] = 20;
        Assert.Equal(20ul, map[2]);
        Assert.Equal(4, map.Keys.Count());
    }

    [SkippableFact]
    public void LruHashEvictsInsteadOfFillingUp()
    {
        const int capacity = 32;
        using var raw = BpfMap.Create(BpfMapType.LruHash, sizeof(uint), sizeof(ulong), capacity, "test_lru");
        var map = raw.As<uint, ulong>();
        var start = (uint)Random.Shared.Next(0, 1 << 20);
        const int inserted = capacity * 8;
        for (var i = 0u; i < inserted; i++)
        {
            map[start + i] = i;
        }

        var keys = map.Keys.ToList();
        Assert.InRange(keys.Count, 1, capacity);
        Assert.All(keys, k => Assert.InRange(k, start, start + inserted - 1));
        Assert.True(map.TryLookup(start + inserted - 1, out var last));
        Assert.Equal((ulong)inserted - 1, last);
        Assert.False(map.TryLookup(start, out _), "the oldest entry should have been evicted");
    }

    [SkippableFact]
    public void ArrayEntriesCannotBeDeletedAndIndexesAreBounded()
    {
        using var obj = MapsObject.Load();
        var raw = obj.Map("array_map");
        var array = raw.As<uint, ulong>();

        var typed = Assert.Throws<NotSupportedException>(() => array.Delete(1));
        Assert.Contains("array_map", typed.Message);
        Assert.Throws<NotSupportedException>(() => raw.Delete(BitConverter.GetBytes(1u)));

        var outOfRange = Assert.Throws<BpfException>(() => array[(uint)raw.MaxEntries] = 1);
        Assert.Equal(Errno.E2BIG, outOfRange.Errno);
        Assert.Contains("out of range", outOfRange.Message);
        Assert.False(array.TryLookup((uint)raw.MaxEntries, out _));
    }

    [SkippableFact]
    public void WrongKeyOrValueSizesThrowArgumentExceptionNamingMapAndSizes()
    {
        using var obj = MapsObject.Load();
        var hash = obj.Map("hash_map");

        var key = Assert.Throws<ArgumentException>(() => hash.As<ulong, ulong>());
        Assert.Contains("hash_map", key.Message);
        Assert.Contains("8 bytes", key.Message);
        Assert.Contains("4 bytes", key.Message);
        var value = Assert.Throws<ArgumentException>(() => hash.As<uint, uint>());
        Assert.Contains("hash_map", value.Message);
        Assert.Contains("4 bytes", value.Message);
        Assert.Contains("8 bytes", value.Message);

        var rawKey = Assert.Throws<ArgumentException>(() => hash.TryLookup(new byte[3], new byte[8]));
        Assert.Contains("hash_map", rawKey.Message);
        Assert.Contains("3 bytes", rawKey.Message);
        Assert.Contains("4 bytes", rawKey.Message);
        var rawValue = Assert.Throws<ArgumentException>(() => hash.Update(new byte[4], new byte[16]));
        Assert.Contains("hash_map", rawValue.Message);
        Assert.Contains("16 bytes", rawValue.Message);
        Assert.Contains("8 bytes", rawValue.Message);

        // Views of the wrong kind.
        Assert.Throws<ArgumentException>(() => obj.Map("percpu_hash").As<uint, ulong>());
        Assert.Throws<ArgumentException>(() => hash.AsPerCpu<uint, ulong>());
        Assert.Throws<ArgumentException>(() => hash.AsProgramArray());
        Assert.Throws<ArgumentException>(() => hash.AsMapOfMaps<uint>());
        Assert.Throws<ArgumentException>(() => obj.Map("array_of_maps").AsMapOfMaps<ulong>());
    }

    [SkippableFact]
    public void SizesAreCheckedBeforeAnySystemCall()
    {
        // On a disposed map, any system call would first need the descriptor and throw ObjectDisposedException:
        // getting ArgumentException proves the sizes were checked first.
        var map = BpfMap.Create(BpfMapType.Hash, sizeof(uint), sizeof(ulong), 4, "test_order");
        map.Dispose();
        Assert.Throws<ArgumentException>(() => map.TryLookup(new byte[2], new byte[8]));
        Assert.Throws<ArgumentException>(() => map.Update(new byte[4], new byte[4]));
        Assert.Throws<ArgumentException>(() => map.As<uint, uint>());
        Assert.Throws<ObjectDisposedException>(() => map.TryLookup(new byte[4], new byte[8]));
    }

    [SkippableFact]
    public void UseAfterDisposeThrowsObjectDisposedException()
    {
        var created = BpfMap.Create(BpfMapType.Hash, sizeof(uint), sizeof(ulong), 4, "test_disposed");
        var typed = created.As<uint, ulong>();
        typed[1] = 1;
        created.Dispose();
        created.Dispose(); // twice is fine
        Assert.True(created.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => typed[1]);
        Assert.Throws<ObjectDisposedException>(() => typed.Update(1, 2));
        Assert.Throws<ObjectDisposedException>(() => typed.Keys.ToList());
        Assert.Throws<ObjectDisposedException>(() => created.Id);
        Assert.Throws<ObjectDisposedException>(() => created.FileDescriptor);

        var obj = MapsObject.Load();
        var hash = obj.Map("hash_map");
        var typedHash = hash.As<uint, ulong>();
        var perCpu = obj.Map("percpu_hash").AsPerCpu<uint, ulong>();
        var programs = obj.Map("jump_table").AsProgramArray();
        var outer = obj.Map("array_of_maps").AsMapOfMaps<uint>();
        obj.Dispose();
        Assert.True(hash.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => typedHash.TryLookup(1, out _));
        Assert.Throws<ObjectDisposedException>(() => hash.TryLookup(new byte[4], new byte[8]));
        Assert.Throws<ObjectDisposedException>(() => perCpu.TryLookup(1, new ulong[perCpu.CpuCount]));
        Assert.Throws<ObjectDisposedException>(() => programs.Clear(0));
        Assert.Throws<ObjectDisposedException>(() => outer.TryGetInnerMapId(0, out _));
        Assert.Throws<ObjectDisposedException>(() => obj.Map("hash_map"));
    }

    [SkippableFact]
    public void CreatingOpeningAndLoadingMapsLeaksNoDescriptors()
    {
        FdCounter.AssertNoLeak(() =>
        {
            using var map = BpfMap.Create(BpfMapType.Hash, sizeof(uint), sizeof(ulong), 4, "test_leak");
            map.As<uint, ulong>()[1] = 2;
            using var again = BpfMap.OpenById(map.Id);
            Assert.Equal(2ul, again.As<uint, ulong>()[1]);
        });
        FdCounter.AssertNoLeak(() =>
        {
            using var obj = MapsObject.Load();
            MapsObject.Run(obj, "write_maps", 1, 2);
        });
        FdCounter.AssertNoLeak(() => Assert.Throws<ArgumentException>(() => BpfMap.Create(BpfMapType.ArrayOfMaps, 4, 4, 4)));
    }

    [SkippableFact]
    public void CreateRefusesInvalidArgumentsBeforeAnySystemCall()
    {
        var name = Assert.Throws<ArgumentException>(() => BpfMap.Create(BpfMapType.Hash, 4, 8, 4, "bad-name"));
        Assert.Contains("bad-name", name.Message);
        Assert.Throws<ArgumentException>(() => BpfMap.Create(BpfMapType.HashOfMaps, 4, 4, 4, "no_template"));
        Assert.Throws<ArgumentOutOfRangeException>(() => BpfMap.Create(BpfMapType.Hash, 4, 8, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => BpfMap.Create(BpfMapType.Hash, -1, 8, 4));
        // A ring buffer's shape: the kernel says only EINVAL.
        var ringSize = Assert.Throws<ArgumentException>(() => BpfMap.Create(BpfMapType.RingBuffer, 0, 0, Environment.SystemPageSize * 3));
        Assert.Contains("power of two", ringSize.Message);
        Assert.Contains($"{Environment.SystemPageSize * 3} bytes", ringSize.Message);
        Assert.Throws<ArgumentException>(() => BpfMap.Create(BpfMapType.RingBuffer, 0, 0, 1024));
        Assert.Throws<ArgumentException>(() => BpfMap.Create(BpfMapType.RingBuffer, 4, 8, Environment.SystemPageSize));

        // What only the kernel knows comes back as its errno, naming the map.
        var kernel = Assert.Throws<BpfException>(() => BpfMap.Create(BpfMapType.Array, 8, 8, 4, "wide_index"));
        Assert.Equal(Errno.EINVAL, kernel.Errno);
        Assert.Contains("wide_index", kernel.Message);
    }

    [SkippableFact]
    public void OpenByIdSharesTheKernelMap()
    {
        using var map = BpfMap.Create(BpfMapType.Array, sizeof(uint), sizeof(ulong), 4, "test_byid");
        using var other = BpfMap.OpenById(map.Id);
        Assert.Equal("test_byid", other.Name);
        Assert.Equal((BpfMapType.Array, 4, 8, 4), (other.Type, other.KeySize, other.ValueSize, other.MaxEntries));
        var value = (ulong)Random.Shared.NextInt64();
        map.As<uint, ulong>()[2] = value;
        Assert.Equal(value, other.As<uint, ulong>()[2]);
        Assert.Throws<KeyNotFoundException>(() => BpfMap.OpenById(uint.MaxValue));
    }
}
