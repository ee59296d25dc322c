using Gadget.Bpf;

namespace Gadget.Gadgets;

/// <summary>
/// Reads a gadget's <c>u64 lost_events</c> counter (in the object's <c>.bss</c>) without allocating: every gadget's
/// <c>.bss</c> holds that counter alone, so the map's single value is the counter (checked once at start; an object whose
/// <c>.bss</c> holds more falls back to the by-name lookup, which allocates).
/// </summary>
internal sealed class LostEventsCounter
{
    private const string Name = "lost_events";
    private readonly BpfObject _object;
    private readonly BpfMap? _bss;

    public LostEventsCounter(BpfObject bpf)
    {
        _object = bpf;
        foreach (var map in bpf.Maps)
        {
            if (map.Name.EndsWith(".bss", StringComparison.Ordinal) && map.ValueSize == sizeof(ulong))
            {
                _bss = map;
            }
        }
    }

    /// <summary>The counter's value now: one map lookup, no allocation.</summary>
    public ulong Read()
    {
        if (_bss is null)
        {
            return _object.GetGlobal<ulong>(Name);
        }
        Span<byte> key = stackalloc byte[sizeof(uint)];
        key.Clear();
        Span<byte> value = stackalloc byte[sizeof(ulong)];
        return _bss.TryLookup(key, value) ? BitConverter.ToUInt64(value) : 0;
    }
}
