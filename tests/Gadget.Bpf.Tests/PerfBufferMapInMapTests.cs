using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Gadget.Bpf.Tests;

/// <summary>Perf event arrays created from C#, one per key in a hash of maps (the flight recorder's layout).</summary>
public class PerfBufferMapInMapTests
{
    private const string ObjectName = TestObjects.PerfMapInMap;

    private static void Emit(BpfObject obj, ulong key, ulong count, int cpu)
    {
        ReadOnlySpan<ulong> context = [key, count];
        obj.Program("emit_to_inner").TestRun(MemoryMarshal.AsBytes(context), cpu: cpu);
    }

    private static void Insert(BpfMap outer, ulong key, BpfMap inner) =>
        outer.Update(BitConverter.GetBytes(key), BitConverter.GetBytes((uint)inner.FileDescriptor));

    private static List<(int Cpu, ulong Key, ulong Sequence)> Parse(List<(int Cpu, byte[] Data)> records) =>
        records.Select(r =>
        {
            Assert.Equal(BurstEmitter.PaddedLength(24), r.Data.Length);
            Assert.Equal(BurstEmitter.Marker, BinaryPrimitives.ReadUInt32LittleEndian(r.Data.AsSpan(16)));
            return (r.Cpu, BinaryPrimitives.ReadUInt64LittleEndian(r.Data), BinaryPrimitives.ReadUInt64LittleEndian(r.Data.AsSpan(8)));
        }).ToList();

    [SkippableFact]
    public void EachKeysArrayGetsOnlyItsRecords()
    {
        var cpus = BpfEnvironment.PossibleCpuCount;
        BpfObject loaded;
        using (var spec = TestObjects.Open(ObjectName))
        {
            // The object's inner-map declaration has no size (perf arrays are sized by CPU count at run time): give a template.
            using var template = BpfMap.Create(BpfMapType.PerfEventArray, 4, 4, cpus, "perf_template");
            spec.Map("perf_arrays").SetInnerMapTemplate(template);
            loaded = spec.Load();
        }
        using var obj = loaded;
        var outer = obj.Map("perf_arrays");
        using var recorderArray = BpfMap.Create(BpfMapType.PerfEventArray, 4, 4, cpus, "recorder");
        using var streamArray = BpfMap.Create(BpfMapType.PerfEventArray, 4, 4, cpus, "stream");
        using var recorder = new PerfFlightRecorder(recorderArray, pageCount: 1);
        using var stream = new PerfBufferReader(streamArray, new PerfBufferOptions { PageCount = 2 });
        Insert(outer, 1, recorderArray);
        Insert(outer, 2, streamArray);

        Emit(obj, 1, 500, cpu: 0);
        Emit(obj, 2, 7, cpu: 0);
        Emit(obj, 1, 3, cpu: cpus > 1 ? 1 : 0);

        var recorded = new List<(int, byte[])>();
        recorder.ReadNewestFirst((cpu, data) => recorded.Add((cpu, data.ToArray())));
        var streamed = new List<(int, byte[])>();
        Assert.Equal(7, stream.Consume((cpu, data) => streamed.Add((cpu, data.ToArray()))));

        var fromRecorder = Parse(recorded);
        var fromStream = Parse(streamed);
        Assert.All(fromRecorder, r => Assert.Equal(1ul, r.Key));
        Assert.All(fromStream, r => Assert.Equal(2ul, r.Key));
        // Sequences: 0..499 for key 1 on CPU 0, 500..506 for key 2, 507..509 for key 1 on the second CPU.
        Assert.Equal(Enumerable.Range(500, 7).Select(i => (ulong)i), fromStream.Select(r => r.Sequence));
        var fit = recorder.RingSize / BurstEmitter.RecordBytes(24);
        var onCpu0 = fromRecorder.Where(r => r.Cpu == 0).Select(r => r.Sequence).ToList();
        var expectedCpu0 = Enumerable.Range(0, 500).Reverse().Select(i => (ulong)i).ToList();
        if (cpus > 1)
        {
            Assert.Equal([509ul, 508, 507], fromRecorder.Where(r => r.Cpu == 1).Select(r => r.Sequence));
            Assert.Equal(expectedCpu0.Take(fit), onCpu0);
        }
        else
        {
            Assert.Equal(new ulong[] { 509, 508, 507 }.Concat(expectedCpu0).Take(fit), onCpu0);
        }
    }
}
