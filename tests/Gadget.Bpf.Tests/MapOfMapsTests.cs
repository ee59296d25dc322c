namespace Gadget.Bpf.Tests;

/// <summary>Arrays and hashes of maps, declared in C (with <c>__array(values, ...)</c>) or created from C#.</summary>
public class MapOfMapsTests
{
    private const ulong ArrayOfMaps = 0;
    private const ulong HashOfMaps = 1;

    [SkippableFact]
    public void InnerMapsDeclaredInCAreInTheirSlotsAndBpfReachesThemThroughTheOuterMap()
    {
        using var obj = MapsObject.Load();
        var outer = obj.Map("array_of_maps").AsMapOfMaps<uint>();
        var innerA = obj.Map("inner_a");
        var innerB = obj.Map("inner_b");

        Assert.True(outer.TryGetInnerMapId(0, out var id0));
        Assert.Equal(innerA.Id, id0);
        Assert.True(outer.TryGetInnerMapId(2, out var id2));
        Assert.Equal(innerB.Id, id2);
        Assert.False(outer.TryGetInnerMapId(1, out _));
        Assert.Equal([0u, 1u, 2u, 3u], outer.Keys.ToArray());

        // BPF writes inner_a through the outer map; C# reads inner_a directly.
        var value = (ulong)(uint)Random.Shared.Next(1, int.MaxValue);
        var index = (ulong)Random.Shared.Next(0, 4);
        Assert.Equal(0u, MapsObject.Run(obj, "through_outer", ArrayOfMaps, 0, index, value, 1));
        Assert.Equal(value, innerA.As<uint, ulong>()[(uint)index]);

        // C# writes inner_b; BPF reads it through the outer map.
        innerB.As<uint, ulong>()[(uint)index] = value + 1;
        Assert.Equal((uint)value + 1, MapsObject.Run(obj, "through_outer", ArrayOfMaps, 2, index, 0, 0));

        Assert.Equal(MapsObject.Missing, MapsObject.Run(obj, "through_outer", ArrayOfMaps, 1, 0, 0, 0));
        Assert.Equal(MapsObject.OutOfRange, MapsObject.Run(obj, "through_outer", ArrayOfMaps, 0, 4, 0, 0));

        // Move inner_a to slot 1, empty slot 0.
        outer.SetInnerMap(1, innerA);
        Assert.True(outer.Delete(0));
        Assert.False(outer.Delete(0));
        Assert.Equal(MapsObject.Missing, MapsObject.Run(obj, "through_outer", ArrayOfMaps, 0, index, 0, 0));
        Assert.Equal((uint)value, MapsObject.Run(obj, "through_outer", ArrayOfMaps, 1, index, 0, 0));
    }

    [SkippableFact]
    public void InnerMapsCreatedFromCSharpGoIntoAHashOfMapsDeclaredInC()
    {
        using var obj = MapsObject.Load();
        var outer = obj.Map("hash_of_maps").AsMapOfMaps<uint>();
        Assert.Empty(outer.Keys);
        var key = (uint)Random.Shared.Next();
        using var inner = BpfMap.Create(BpfMapType.Array, sizeof(uint), sizeof(ulong), 4, "test_inner");

        Assert.Equal(MapsObject.Missing, MapsObject.Run(obj, "through_outer", HashOfMaps, key, 1, 0, 0));
        outer.SetInnerMap(key, inner, BpfMapUpdateFlags.NoExist);
        Assert.Throws<InvalidOperationException>(() => outer.SetInnerMap(key, inner, BpfMapUpdateFlags.NoExist));
        Assert.Equal([key], outer.Keys.ToArray());
        Assert.True(outer.TryGetInnerMapId(key, out var id));
        Assert.Equal(inner.Id, id);

        var value = (ulong)(uint)Random.Shared.Next(1, int.MaxValue);
        Assert.Equal(0u, MapsObject.Run(obj, "through_outer", HashOfMaps, key, 3, value, 1));
        Assert.Equal(value, inner.As<uint, ulong>()[3]);
        inner.As<uint, ulong>()[2] = value + 7;
        Assert.Equal((uint)value + 7, MapsObject.Run(obj, "through_outer", HashOfMaps, key, 2, 0, 0));

        Assert.True(outer.TryOpenInnerMap(key, out var opened));
        using (opened)
        {
            Assert.Equal(inner.Id, opened.Id);
            Assert.Equal(value, opened.As<uint, ulong>()[3]);
        }

        Assert.True(outer.Delete(key));
        Assert.Equal(MapsObject.Missing, MapsObject.Run(obj, "through_outer", HashOfMaps, key, 3, 0, 0));
        Assert.False(outer.TryOpenInnerMap(key, out _));
        Assert.Equal(value, inner.As<uint, ulong>()[3]); // the inner map itself lives on
    }

    [SkippableFact]
    public void InnerMapsOfTheWrongShapeAreRefusedNamingBothMaps()
    {
        using var obj = MapsObject.Load();
        var outer = obj.Map("hash_of_maps").AsMapOfMaps<uint>();
        using var wrongValue = BpfMap.Create(BpfMapType.Array, sizeof(uint), sizeof(uint), 4, "test_wrong_val");
        using var wrongType = BpfMap.Create(BpfMapType.Hash, sizeof(uint), sizeof(ulong), 4, "test_wrong_type");

        var e = Assert.Throws<ArgumentException>(() => outer.SetInnerMap(1, wrongValue));
        Assert.Contains("test_wrong_val", e.Message);
        Assert.Contains("hash_of_maps", e.Message);
        Assert.Throws<ArgumentException>(() => outer.SetInnerMap(1, wrongType));
        Assert.Empty(outer.Keys);
    }

    [SkippableFact]
    public void MapsOfMapsCreatedFromCSharpHoldInnerMapsThatOutliveTheirHandles()
    {
        using var template = BpfMap.Create(BpfMapType.Hash, sizeof(uint), sizeof(ulong), 16, "test_template");
        using var hashRaw = BpfMap.Create(BpfMapType.HashOfMaps, sizeof(ulong), sizeof(uint), 2, "test_hom", innerMap: template);
        using var arrayRaw = BpfMap.Create(BpfMapType.ArrayOfMaps, sizeof(uint), sizeof(uint), 2, "test_aom", innerMap: template);
        var hashOuter = hashRaw.AsMapOfMaps<ulong>();
        var arrayOuter = arrayRaw.AsMapOfMaps<uint>();
        var value = (ulong)Random.Shared.NextInt64();
        uint innerId;
        using (var inner = BpfMap.Create(BpfMapType.Hash, sizeof(uint), sizeof(ulong), 16, "test_inner_h"))
        {
            inner.As<uint, ulong>()[5] = value;
            innerId = inner.Id;
            hashOuter.SetInnerMap(ulong.MaxValue, inner);
            arrayOuter.SetInnerMap(1, inner);
        }

        // Disposing the C# handle did not destroy the inner map: the outer maps hold it.
        Assert.True(hashOuter.TryGetInnerMapId(ulong.MaxValue, out var fromHash));
        Assert.True(arrayOuter.TryGetInnerMapId(1, out var fromArray));
        Assert.Equal(innerId, fromHash);
        Assert.Equal(innerId, fromArray);
        Assert.True(arrayOuter.TryOpenInnerMap(1, out var reopened));
        using (reopened)
        {
            Assert.Equal(value, reopened.As<uint, ulong>()[5]);
        }

        // Capacity: the array has 2 slots, the hash 2 entries.
        var outOfRange = Assert.Throws<BpfException>(() => arrayOuter.SetInnerMap(2, template));
        Assert.Equal(Errno.E2BIG, outOfRange.Errno);
        hashOuter.SetInnerMap(1, template);
        var full = Assert.Throws<BpfException>(() => hashOuter.SetInnerMap(2, template));
        Assert.Equal(Errno.E2BIG, full.Errno);
        Assert.Equal([1ul, ulong.MaxValue], hashOuter.Keys.Order().ToArray());
    }

    [Fact]
    public void InnerMapsAreSetAndDeletedInBatchesOrOneAtATimeWhereTheKernelHasNoBatches()
    {
        // Linux 5.10 has no batch updates or deletes for maps of maps (ENOTSUPP, the count left as given): the same calls
        // then go one key at a time. The kernel matrix runs this test there.
        using var template = BpfMap.Create(BpfMapType.Array, sizeof(uint), sizeof(ulong), 4, "test_batch_t");
        using var raw = BpfMap.Create(BpfMapType.ArrayOfMaps, sizeof(uint), sizeof(uint), 8, "test_batch_aom", innerMap: template);
        var outer = raw.AsMapOfMaps<uint>();
        var inner = Enumerable.Range(0, 5).Select(i => BpfMap.Create(BpfMapType.Array, sizeof(uint), sizeof(ulong), 4, $"test_batch_{i}")).ToList();
        try
        {
            outer.SetInnerMaps([1u, 2u, 3u, 5u, 7u], inner);
            uint[] keys = [1, 2, 3, 5, 7];
            for (var i = 0; i < keys.Length; i++)
            {
                Assert.True(outer.TryGetInnerMapId(keys[i], out var id), $"slot {keys[i]} is empty");
                Assert.Equal(inner[i].Id, id);
            }
            Assert.False(outer.TryGetInnerMapId(0, out _));

            Assert.Equal(3, outer.DeleteInnerMaps([2u, 5u, 7u]));
            Assert.True(outer.TryGetInnerMapId(1, out _));
            Assert.True(outer.TryGetInnerMapId(3, out _));
            Assert.False(outer.TryGetInnerMapId(2, out _));
            Assert.False(outer.TryGetInnerMapId(5, out _));
            Assert.False(outer.TryGetInnerMapId(7, out _));

            // A key out of range is the caller's error, batch or not.
            var outOfRange = Assert.Throws<BpfException>(() => outer.SetInnerMaps([0u, 8u], [inner[0], inner[1]]));
            Assert.Equal(Errno.E2BIG, outOfRange.Errno);
        }
        finally
        {
            inner.ForEach(m => m.Dispose());
        }
    }

    [SkippableFact]
    public void OpeningInnerMapsLeaksNoDescriptors()
    {
        using var obj = MapsObject.Load();
        var outer = obj.Map("array_of_maps").AsMapOfMaps<uint>();
        FdCounter.AssertNoLeak(() =>
        {
            Assert.True(outer.TryOpenInnerMap(2, out var inner));
            inner.Dispose();
            using var template = BpfMap.Create(BpfMapType.Array, sizeof(uint), sizeof(ulong), 4, "test_leak_t");
            using var nested = BpfMap.Create(BpfMapType.ArrayOfMaps, sizeof(uint), sizeof(uint), 1, "test_leak_o", innerMap: template);
            nested.AsMapOfMaps<uint>().SetInnerMap(0, template);
        });
    }
}
