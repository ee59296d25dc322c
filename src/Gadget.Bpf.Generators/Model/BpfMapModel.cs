namespace Gadget.Bpf.Generators.Model;

/// <summary>A map of the object's <c>.maps</c> section: its name, BPF_MAP_TYPE_* number and key/value BTF types (0: none declared).</summary>
internal sealed class BpfMapModel
{
    public BpfMapModel(string name, int type, uint keyType, uint valueType, bool hasInnerMap)
    {
        Name = name;
        Type = type;
        KeyType = keyType;
        ValueType = valueType;
        HasInnerMap = hasInnerMap;
    }

    public string Name { get; }

    /// <summary>The BPF_MAP_TYPE_* number (from the definition's <c>type</c> member).</summary>
    public int Type { get; }

    public uint KeyType { get; }

    public uint ValueType { get; }

    /// <summary>A map of maps (its definition has a <c>values</c> member).</summary>
    public bool HasInnerMap { get; }

    /// <summary>BPF_MAP_TYPE_PERCPU_HASH, PERCPU_ARRAY, LRU_PERCPU_HASH, PERCPU_CGROUP_STORAGE.</summary>
    public bool IsPerCpu => Type is 5 or 6 or 10 or 21;

    /// <summary>Maps whose elements are read with a key and a value of their own types (not ring/perf buffers, program or map arrays).</summary>
    public bool IsKeyValue => KeyType != 0 && ValueType != 0 && !HasInnerMap && Type is not (3 or 4 or 7 or 8 or 12 or 13 or 27);
}
