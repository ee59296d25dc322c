using System.Buffers.Binary;

namespace Gadget.Bpf.Tests;

/// <summary>
/// syscall_events.bpf.o loaded for ring buffer tests: runs bursts (<see cref="BurstPrograms"/>) and reads its .bss counters
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
        using var spec = TestObjects.Open(TestObjects.SyscallEvents);
        if (traceThisProcess)
        {
            spec.SetGlobal("target_tgid", (uint)Environment.ProcessId);
            spec.SetGlobal("output_mode", 0u);
        }
        return new RingBufferTestObject(spec.Load());
    }

    /// <summary>Runs <c>emit_burst</c>: <paramref name="count"/> 256-byte records into <c>events</c>.</summary>
    internal void EmitBurst(ulong count, int target = TargetRingBuffer) =>
        BurstPrograms.Run(Object, count, BurstRecordSize, (ulong)target);

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

    private ulong ReadBssUInt64(string name) => Object.GetGlobal<ulong>(name);
}
