using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf.Tests;

/// <summary>
/// syscall_events.bpf.o loaded for ring buffer tests: runs <c>emit_burst</c> and reads its .bss counters
/// (<c>ringbuf_dropped</c>, <c>next_sequence</c>) from the live .bss map after load.
/// </summary>
internal sealed unsafe class RingBufferTestObject : IDisposable
{
    internal const uint Marker = 0x47414447;
    internal const int BurstRecordSize = 256;
    internal const int TargetRingBuffer = 0;
    internal const int TargetRingBufferDiscardOdd = 3;

    private RingBufferTestObject(BpfObject obj) => Object = obj;

    internal BpfObject Object { get; }

    internal BpfMap Events => Object.Map("events");

    /// <summary>Loads the object; with <paramref name="traceThisProcess"/>, <c>on_sys_enter</c> records this process's syscalls into <c>events</c>.</summary>
    internal static RingBufferTestObject Load(bool traceThisProcess = false)
    {
        var obj = TestObjects.Open(TestObjects.SyscallEvents);
        try
        {
            if (traceThisProcess)
            {
                obj.SetGlobal("target_tgid", (uint)Environment.ProcessId);
                obj.SetGlobal("output_mode", 0u);
            }
            obj.Load();
            return new RingBufferTestObject(obj);
        }
        catch
        {
            obj.Dispose();
            throw;
        }
    }

    /// <summary>Runs <c>emit_burst</c>: <paramref name="count"/> 256-byte records into <c>events</c>.</summary>
    internal void EmitBurst(ulong count, int target = TargetRingBuffer)
    {
        KernelFeatures.Require(KernelFeatures.Loop);
        Span<ulong> context = [count, BurstRecordSize, (ulong)target];
        Object.Program("emit_burst").TestRun(MemoryMarshal.AsBytes(context));
    }

    internal ulong RingBufferDropped => ReadBssUInt64("ringbuf_dropped");

    internal ulong NextSequence => ReadBssUInt64("next_sequence");

    /// <summary>The sequence number of a burst record, after checking its size and marker.</summary>
    internal static ulong Sequence(ReadOnlySpan<byte> record)
    {
        Assert.Equal(BurstRecordSize, record.Length);
        Assert.Equal(Marker, BinaryPrimitives.ReadUInt32LittleEndian(record[12..]));
        return BinaryPrimitives.ReadUInt64LittleEndian(record);
    }

    public void Dispose() => Object.Dispose();

    private ulong ReadBssUInt64(string name)
    {
        var bss = Object.Maps.Single(m => m.Name.EndsWith(".bss", StringComparison.Ordinal));
        var btf = LibBpf.bpf_object__btf(Object.Pointer);
        Assert.NotEqual(0, btf);
        var datasecId = LibBpf.btf__find_by_name_kind(btf, ".bss", 15 /* BTF_KIND_DATASEC */);
        Assert.True(datasecId > 0, "no .bss section in the object's BTF");
        var datasec = LibBpf.btf__type_by_id(btf, (uint)datasecId);
        var variables = (BtfVariableSectionInfo*)(datasec + 1);
        for (var i = 0; i < datasec->VariableLength; i++)
        {
            var variable = LibBpf.btf__type_by_id(btf, variables[i].Type);
            if (Marshal.PtrToStringUTF8((nint)LibBpf.btf__name_by_offset(btf, variable->NameOffset)) != name)
            {
                continue;
            }
            Assert.Equal(8u, variables[i].Size);
            var value = new byte[bss.ValueSize];
            Assert.True(bss.TryLookup(stackalloc byte[4], value));
            return BinaryPrimitives.ReadUInt64LittleEndian(value.AsSpan((int)variables[i].Offset));
        }
        throw new KeyNotFoundException($"no .bss variable '{name}'");
    }
}
