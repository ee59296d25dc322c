using System.Runtime.CompilerServices;
using Gadget.Traceloop.Bpf;
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
        var b = default(ScratchBuffer);
        AssertSame(BtfStructs.Read(_object)["scratch_buffer"], ScratchBuffer.Size, Unsafe.SizeOf<ScratchBuffer>(),
            ("faulted", Offset(ref b, ref b.Faulted)), ("retry_mask", Offset(ref b, ref b.RetryMask)), ("iov_used", Offset(ref b, ref b.IovUsed)),
            ("saved_len", Offset(ref b, ref b.SavedLen)), ("open_tid", Offset(ref b, ref b.OpenTid)), ("open_slot", Offset(ref b, ref b.OpenSlot)),
            ("open_cgroup", Offset(ref b, ref b.OpenCgroup)), ("open_size", Offset(ref b, ref b.OpenSize)),
            ("generation", Offset(ref b, ref b.Generation)), ("open_mm", Offset(ref b, ref b.OpenMm)),
            ("batch_slot", Offset(ref b, ref b.BatchSlot)), ("batch_used", Offset(ref b, ref b.BatchUsed)),
            ("batch_cgroup", Offset(ref b, ref b.BatchCgroup)), ("batch_records", Offset(ref b, ref b.BatchRecords)),
            ("open_migrations", Offset(ref b, ref b.OpenMigrations)), ("open_switches", Offset(ref b, ref b.OpenSwitches)),
            ("reserved", Offset(ref b, ref b.Reserved)), ("data", Offset(ref b, ref b.Data[0])), ("batch", Offset(ref b, ref b.Batch[0])));
        // What UnwrittenRecords bounds its reads by: the whole of each array, up to the next member or the end.
        Assert.Equal(ScratchBuffer.Offsets.Batch - ScratchBuffer.Offsets.Data, b.Data.Length);
        Assert.Equal(ScratchBuffer.Size - ScratchBuffer.Offsets.Batch, b.Batch.Length);
    }

    [Fact]
    public void RingEventKindsAreTheMacrosOfTraceloopRings()
    {
        // The RING_EVENT_* macros are not in BTF: read from the header, each under its enum member's name.
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory.FullName, "bpf", "traceloop_rings.h")))
        {
            directory = directory.Parent ?? throw new FileNotFoundException("bpf/traceloop_rings.h above " + AppContext.BaseDirectory);
        }
        var macros = System.Text.RegularExpressions.Regex.Matches(
                File.ReadAllText(Path.Combine(directory.FullName, "bpf", "traceloop_rings.h")), @"#define RING_EVENT_(\w+) (\d+)")
            .ToDictionary(m => m.Groups[1].Value, m => uint.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        var members = Enum.GetValues<Gadget.Traceloop.Rings.RingEventKind>()
            .ToDictionary(k => System.Text.RegularExpressions.Regex.Replace(k.ToString(), "(?<=[a-z])(?=[A-Z])", "_").ToUpperInvariant(), k => (uint)k);
        Assert.Equal(macros.OrderBy(m => m.Key), members.OrderBy(m => m.Key));
    }

    [Fact]
    public void RingStructsMatchTheirGeneratedTypes()
    {
        var structs = BtfStructs.Read(_object);
        var e = default(RingEvent);
        AssertSame(structs["ring_event"], RingEvent.Size, Unsafe.SizeOf<RingEvent>(),
            ("cgroup_id", Offset(ref e, ref e.CgroupId)), ("timestamp", Offset(ref e, ref e.Timestamp)), ("slot", Offset(ref e, ref e.Slot)), ("kind", Offset(ref e, ref e.Kind)));
        var counters = default(RingCounters);
        AssertSame(structs["ring_counters"], RingCounters.Size, Unsafe.SizeOf<RingCounters>(),
            ("enters", Offset(ref counters, ref counters.Enters)), ("failed", Offset(ref counters, ref counters.Failed)));
        var state = default(CgroupState);
        AssertSame(structs["cgroup_state"], CgroupState.Size, Unsafe.SizeOf<CgroupState>(),
            ("slot", Offset(ref state, ref state.Slot)), ("flags", Offset(ref state, ref state.Flags)), ("missed", Offset(ref state, ref state.Missed)));
        var claim = default(RingClaim);
        AssertSame(structs["ring_claim"], RingClaim.Size, Unsafe.SizeOf<RingClaim>(),
            ("slot", Offset(ref claim, ref claim.Slot)), ("reserved", Offset(ref claim, ref claim.Reserved)), ("timestamp", Offset(ref claim, ref claim.Timestamp)));
    }

    /// <summary>The C struct (size and member offsets, from bpftool) and the generated type (its Size constant, its size in
    /// .NET, the real offset of each of its fields) agree, member for member.</summary>
    private static void AssertSame((int Size, Dictionary<string, int> Fields) c, int declaredSize, int dotnetSize, params (string C, int Offset)[] fields)
    {
        Assert.Equal((c.Size, c.Size), (declaredSize, dotnetSize));
        Assert.Equal(c.Fields.Keys.Order(), fields.Select(f => f.C).Order());
        foreach (var (name, offset) in fields)
        {
            Assert.True(c.Fields[name] == offset, $"{name}: at {c.Fields[name]} in traceloop.bpf.o, at {offset} in the generated type");
        }
    }

    private static int Offset<T, TField>(ref T owner, ref TField field) =>
        (int)Unsafe.ByteOffset(ref Unsafe.As<T, byte>(ref owner), ref Unsafe.As<TField, byte>(ref field));
}
