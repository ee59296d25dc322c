using System.Runtime.InteropServices;
using Gadget.Traceloop.Rings;
using L = Gadget.Traceloop.TraceloopRecordLayout;

namespace Gadget.Traceloop.Tests;

/// <summary>The C structs of bpf/traceloop*.{c,h} and the C# that reads them agree: read from the embedded object's BTF.</summary>
public sealed class RecordLayoutTests : IDisposable
{
    private readonly string _object = BtfStructs.Extract(typeof(TraceloopTracer).Assembly, TraceloopTracer.ObjectResource);

    public void Dispose() => File.Delete(_object);

    [Fact]
    public void RecordHeaderEnterBodyAndCaptureHeaderMatchTheLayout()
    {
        var structs = BtfStructs.Read(_object);
        var (size, header) = structs["record_header"];
        Assert.Equal(L.HeaderSize, size);
        Assert.Equal(L.TimestampOffset, header["timestamp"]);
        Assert.Equal(L.ProcessIdOffset, header["pid"]);
        Assert.Equal(L.ThreadIdOffset, header["tid"]);
        Assert.Equal(L.NumberOffset, header["nr"]);
        Assert.Equal(L.SizeOffset, header["size"]);
        Assert.Equal(L.KindOffset, header["kind"]);
        Assert.Equal(L.CaptureCountOffset, header["capture_count"]);
        Assert.Equal(L.ValueOffset, header["value"]);
        var (bodySize, body) = structs["enter_body"];
        Assert.Equal(L.EnterBodySize, bodySize);
        Assert.Equal(L.ArgumentsOffset, body["args"]);
        Assert.Equal(L.CommandOffset, body["comm"]);
        Assert.Equal(L.SequenceOffset, body["sequence"]);
        Assert.Equal(L.ExitTimestampOffset, body["exit_timestamp"]);
        Assert.Equal(L.CaptureHeaderSize, structs["capture_header"].Size);
    }

    [Fact]
    public void TheScratchBufferHoldsTheBatchAndTheOpenSyscallWhereUserSpaceReadsThem()
    {
        var (_, scratch) = BtfStructs.Read(_object)["scratch_buffer"];
        Assert.Equal(UnwrittenRecords.OpenTidOffset, scratch["open_tid"]);
        Assert.Equal(UnwrittenRecords.OpenSlotOffset, scratch["open_slot"]);
        Assert.Equal(UnwrittenRecords.OpenCgroupOffset, scratch["open_cgroup"]);
        Assert.Equal(UnwrittenRecords.OpenSizeOffset, scratch["open_size"]);
        Assert.Equal(UnwrittenRecords.GenerationOffset, scratch["generation"]);
        Assert.Equal(UnwrittenRecords.DataOffset, scratch["data"]);
        Assert.Equal(UnwrittenRecords.BatchSlotOffset, scratch["batch_slot"]);
        Assert.Equal(UnwrittenRecords.BatchUsedOffset, scratch["batch_used"]);
        Assert.Equal(UnwrittenRecords.BatchCgroupOffset, scratch["batch_cgroup"]);
        Assert.Equal(UnwrittenRecords.BatchOffset, scratch["batch"]);
    }

    [Fact]
    public void RingStructsMatchTheirCSharpMirrors()
    {
        var structs = BtfStructs.Read(_object);
        AssertSame<RingEvent>(structs["ring_event"], ("cgroup_id", nameof(RingEvent.CgroupId)), ("timestamp", nameof(RingEvent.Timestamp)), ("slot", nameof(RingEvent.Slot)), ("kind", nameof(RingEvent.Kind)));
        AssertSame<RingCounters>(structs["ring_counters"], ("enters", nameof(RingCounters.Enters)), ("failed", nameof(RingCounters.Failed)));
        AssertSame<CgroupState>(structs["cgroup_state"], ("slot", nameof(CgroupState.Slot)), ("reserved", nameof(CgroupState.Reserved)), ("missed", nameof(CgroupState.Missed)));
        AssertSame<RingClaim>(structs["ring_claim"], ("slot", nameof(RingClaim.Slot)), ("reserved", nameof(RingClaim.Reserved)), ("timestamp", nameof(RingClaim.Timestamp)));
    }

    private static void AssertSame<T>((int Size, Dictionary<string, int> Fields) c, params (string C, string CSharp)[] fields)
        where T : struct
    {
        Assert.Equal(c.Size, Marshal.SizeOf<T>());
        Assert.Equal(c.Fields.Count, fields.Length);
        foreach (var (cName, csName) in fields)
        {
            Assert.Equal(c.Fields[cName], (int)Marshal.OffsetOf<T>(csName));
        }
    }
}
