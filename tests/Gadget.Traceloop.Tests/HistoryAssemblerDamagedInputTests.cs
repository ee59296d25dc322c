using System.Text.Json;
using Gadget.Traceloop.Decoding;
using static Gadget.Traceloop.Tests.RawRecords;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// Records damaged on their way: a torn batch, a size field that points past the data or nowhere, capture headers that
/// claim more than there is, random bytes where records were. The assembler must count what it cannot read and build a
/// history from the rest without throwing, and that history must decode.
/// </summary>
public sealed class HistoryAssemblerDamagedInputTests
{
    private const long RingSize = 64 * 1024;

    [Fact]
    public void DamagedRecordsAndBatchesAreCountedOrSkippedAndWhatIsLeftDecodes()
    {
        var random = new Random(6122026);
        var formatter = new SyscallFormatter(catalog: new SyscallCatalog(SyscallTable.X86_64, SyscallSignatureProvider.Shared));
        var json = new SyscallJsonFormatter(formatter);
        var invalidSeen = 0;
        var decodedSeen = 0;
        for (var round = 0; round < 3000; round++)
        {
            var assembler = new HistoryAssembler();
            var records = Enumerable.Range(0, random.Next(1, 12)).Select(i => AnyRecord(random, i)).ToList();
            for (var i = 0; i < records.Count; i++)
            {
                var cpu = random.Next(3);
                var data = Damage(random, records[i]);
                switch (random.Next(4))
                {
                    case 0: assembler.AddUnwritten(cpu, data); break;
                    case 1: assembler.AddInFlight(cpu, data); break;
                    default: assembler.Add(cpu, data); break;
                }
            }

            // A batch of the remaining ones back to back, damaged as a whole.
            var batch = records.SelectMany(r => r.Take(TraceloopRecordLayout.Size(r))).ToArray();
            assembler.Add(random.Next(3), Damage(random, batch));

            var history = assembler.BuildHistory(RingSize, [new() { Enters = (ulong)random.Next(20) }], recordingSince: 0, missedBeforeRecording: 0);
            foreach (var record in history)
            {
                var line = formatter.Format(record);
                Assert.DoesNotContain(line, c => c == '\n');
                using var document = JsonDocument.Parse(json.Format(record));
                decodedSeen++;
            }

            invalidSeen += assembler.InvalidRecords;
        }

        // Both paths taken: damage detected and counted, and records that survived decoded.
        Assert.True(invalidSeen > 1000, $"{invalidSeen} invalid records counted");
        Assert.True(decodedSeen > 1000, $"{decodedSeen} records decoded");
    }

    private static byte[] AnyRecord(Random random, int i)
    {
        var tid = random.Next(1, 4);
        var nr = random.Next(4) == 0 ? random.Next(-1, 500) : new[] { 0, 1, 2, 42, 59, 257 }[random.Next(6)];
        var ts = (ulong)(1000 + i * 100 + random.Next(50));
        byte[] Data() => [.. Enumerable.Range(0, random.Next(0, 80)).Select(_ => (byte)random.Next(256))];
        return random.Next(5) switch
        {
            0 => Enter(tid, nr, ts, random.Next(2) == 0 ? null : "/etc/hosts"),
            1 => Exit(tid, nr, ts, random.Next(-40, 40)),
            2 => Record(TraceloopRecordLayout.KindProcessExit, tid, -1, ts, random.Next(0, 0x10000)),
            _ => Syscall(tid, nr, ts, ts + 10, random.Next(-40, 40),
                [.. Enumerable.Range(0, random.Next(0, 4)).Select(k => ((byte)random.Next(8), (CaptureStatus)random.Next(4), Data()))]),
        };
    }

    private static byte[] Damage(Random random, byte[] record)
    {
        var damaged = (byte[])record.Clone();
        switch (random.Next(7))
        {
            case 0:
                return damaged; // intact
            case 1:
                return damaged[..random.Next(damaged.Length + 1)]; // torn
            case 2:
                for (var i = random.Next(1, 6); i > 0 && damaged.Length > 0; i--)
                {
                    damaged[random.Next(damaged.Length)] = (byte)random.Next(256); // flipped bytes anywhere
                }

                return damaged;
            case 3:
                if (damaged.Length >= 24)
                {
                    BitConverter.TryWriteBytes(damaged.AsSpan(20), (ushort)new[] { 0, 1, 7, 8, 24, 31, 0xffff, random.Next(0x10000) }[random.Next(8)]); // size field
                    damaged[22] = (byte)random.Next(8); // kind
                }

                return damaged;
            case 4:
                if (damaged.Length >= 24)
                {
                    damaged[23] = (byte)random.Next(256); // capture count
                }

                return damaged;
            case 5:
                return [.. Enumerable.Range(0, random.Next(0, 300)).Select(_ => (byte)random.Next(256))]; // noise
            default:
                return [.. damaged, .. Enumerable.Range(0, random.Next(1, 64)).Select(_ => (byte)random.Next(256))]; // trailing garbage
        }
    }
}
