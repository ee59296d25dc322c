using System.Buffers.Binary;
using Gadget.Bpf;

namespace Gadget.Gadgets;

/// <summary>
/// Reads a gadget's <c>u64 lost_events</c> counter (in the object's <c>.bss</c>) with one map lookup and no allocation.
/// The <c>.bss</c> of the gadgets holds more than the counter (the <c>unused_*</c> pointers that keep the record structs
/// in BTF), so the counter's offset in the section's value is found once, when the object is loaded and its programs
/// are not attached yet: each 8-byte slot in turn is set to a marker and the by-name lookup tells which slot it is.
/// When that fails (no such global, no <c>.bss</c>), every read goes through the by-name lookup, which allocates. A gadget
/// without an object of its own (trace dns) keeps its counter in an array map of its own, read the same way at offset 0.
/// </summary>
internal sealed class LostEventsCounter
{
    private const string Name = "lost_events";
    private const ulong Marker = 0x4C4F_5354_4556_5453; // "LOSTEVTS"
    private readonly BpfObject? _object;
    private readonly BpfMap? _bss;
    private readonly int _offset = -1;

    /// <summary>Finds the counter in <paramref name="bpf"/>'s <c>.bss</c>: call it before attaching any program (it writes the section).</summary>
    public LostEventsCounter(BpfObject bpf)
    {
        _object = bpf;
        foreach (var map in bpf.Maps)
        {
            if (map.Name.EndsWith(".bss", StringComparison.Ordinal) && map.ValueSize >= sizeof(ulong) && map.ValueSize <= 256)
            {
                _bss = map;
                _offset = FindOffset(bpf, map);
            }
        }
        if (_offset < 0)
        {
            _bss = null;
        }
    }

    /// <summary>Reads the counter that is the first value of <paramref name="counter"/>, an array map (key 0).</summary>
    public LostEventsCounter(BpfMap counter)
    {
        _bss = counter;
        _offset = 0;
    }

    /// <summary>The counter's value now.</summary>
    public ulong Read()
    {
        if (_bss is null)
        {
            return _object!.GetGlobal<ulong>(Name);
        }
        Span<byte> key = stackalloc byte[sizeof(uint)];
        key.Clear();
        Span<byte> value = stackalloc byte[_bss.ValueSize];
        return _bss.TryLookup(key, value) ? BinaryPrimitives.ReadUInt64LittleEndian(value[_offset..]) : 0;
    }

    private static int FindOffset(BpfObject bpf, BpfMap bss)
    {
        Span<byte> key = stackalloc byte[sizeof(uint)];
        key.Clear();
        var original = new byte[bss.ValueSize];
        if (!bss.TryLookup(key, original))
        {
            return -1;
        }
        var probe = new byte[bss.ValueSize];
        try
        {
            for (var offset = 0; offset + sizeof(ulong) <= probe.Length; offset += sizeof(ulong))
            {
                original.CopyTo(probe, 0);
                BinaryPrimitives.WriteUInt64LittleEndian(probe.AsSpan(offset), Marker);
                bss.Update(key, probe);
                if (bpf.GetGlobal<ulong>(Name) == Marker)
                {
                    return offset;
                }
            }
            return -1;
        }
        catch (KeyNotFoundException)
        {
            return -1;
        }
        finally
        {
            bss.Update(key, original);
        }
    }
}
