using System.Buffers.Binary;
using System.Text;
using static Gadget.Traceloop.Tests.RawRecords;

namespace Gadget.Traceloop.Tests;

/// <summary>Pairing and windowing of raw records, with records laid out as bpf/traceloop.bpf.c writes them.</summary>
public sealed class HistoryAssemblerTests
{
    private const long RingSize = 64 * 1024;

    [Fact]
    public void EntersAndExitsOfInterleavedThreadsArePairedPerThreadInTimeOrder()
    {
        var assembler = new HistoryAssembler();
        // CPU 1 delivered first, newest first: the assembler must order by timestamp, not by arrival.
        assembler.Add(1, Exit(tid: 11, nr: 1, ts: 500, ret: 3));
        assembler.Add(1, Enter(tid: 11, nr: 1, ts: 300, path: null));
        assembler.Add(0, Exit(tid: 10, nr: 257, ts: 400, ret: 5));
        assembler.Add(0, Enter(tid: 10, nr: 257, ts: 200, path: "/etc/hosts"));
        assembler.Add(0, Enter(tid: 10, nr: 0, ts: 600, path: null));

        var history = assembler.Build(RingSize);

        Assert.Equal([200UL, 300UL, 600UL], history.Select(r => r.TimestampNs));
        Assert.Equal(5L, history[0].ReturnValue);
        Assert.Equal(400UL, history[0].ExitTimestampNs);
        Assert.Equal("/etc/hosts", Encoding.ASCII.GetString(history[0].Captured.Single().Data.Span));
        Assert.Equal(3L, history[1].ReturnValue);
        Assert.Equal(1, history[1].Cpu);
        Assert.Null(history[2].ReturnValue); // still running
        Assert.Equal(0, assembler.DroppedExits);
    }

    [Fact]
    public void AnExitWhoseEnterIsGoneIsDroppedAndCounted()
    {
        var assembler = new HistoryAssembler();
        assembler.Add(0, Exit(tid: 10, nr: 61, ts: 100, ret: 0));
        assembler.Add(0, Enter(tid: 10, nr: 3, ts: 200, path: null));
        assembler.Add(0, Exit(tid: 10, nr: 3, ts: 210, ret: 0));

        var history = assembler.Build(RingSize);

        Assert.Equal(3, Assert.Single(history).Number);
        Assert.Equal(1, assembler.DroppedExits);
    }

    [Fact]
    public void WhenOneCpusRingWrappedOlderRecordsOfOtherCpusAreLeftOut()
    {
        var assembler = new HistoryAssembler();
        // CPU 0 is full (its oldest surviving record is at 1000); CPU 1 has an old enter whose exit may have been on CPU 0.
        var small = (int)(RingSize - HistoryAssembler.WrapSlack) / 16 + 1;
        var ts = 1000UL;
        for (var i = 0; i < small; i++)
        {
            assembler.Add(0, WithSequence(Enter(tid: 10, nr: 39, ts: ts++, path: null), 100 + (ulong)i)); // 100 overwritten
            assembler.Add(0, Exit(tid: 10, nr: 39, ts: ts++, ret: 10));
        }
        assembler.Add(1, Enter(tid: 12, nr: 7, ts: 900, path: null));
        assembler.Add(1, Enter(tid: 12, nr: 0, ts: ts + 5, path: null));

        var history = assembler.Build(RingSize);

        Assert.DoesNotContain(history, r => r.TimestampNs == 900);
        Assert.Equal(1000UL, history[0].TimestampNs);
        Assert.Equal(ts + 5, history[^1].TimestampNs);
    }

    [Fact]
    public void A32BitSyscallKeepsItsOwnNumberAndIsMarkedAndAnExecveChangingModePairsWithItsExit()
    {
        var assembler = new HistoryAssembler();
        const int Compat = 0x20000000;
        var i386 = Decoding.SyscallTable.I386;
        int execve64 = Decoding.SyscallTable.X86_64.GetNumber("execve"), execve32 = i386.GetNumber("execve");
        int getpid = i386.GetNumber("getpid"), exit = i386.GetNumber("exit");
        // A 64-bit execve that started a 32-bit program returns in 32-bit mode, as ia32's execve.
        assembler.Add(0, Enter(tid: 7, nr: execve64, ts: 100, path: null));
        assembler.Add(0, Exit(tid: 7, nr: execve32 | Compat, ts: 150, ret: 0));
        // ia32 getpid and exit, whole records.
        assembler.Add(0, Syscall(tid: 7, nr: getpid | Compat, ts: 200, exitTs: 210, ret: 7));
        assembler.Add(0, Enter(tid: 7, nr: exit | Compat, ts: 300, path: null));

        var history = assembler.Build(RingSize);

        Assert.Equal(new (int, bool, long?)[] { (execve64, false, 0), (getpid, true, 7), (exit, true, null) },
            history.Select(r => (r.Number, r.Is32Bit, r.ReturnValue)).ToArray());
        var formatter = new Decoding.SyscallFormatter();
        Assert.Equal("getpid() = 7", formatter.Format(history[1]));
        Assert.StartsWith("execve(", formatter.Format(history[0]), StringComparison.Ordinal);
        var refused = Assert.Throws<InvalidOperationException>(() => SeccompProfileAdvisor.Create(history));
        Assert.Contains($"32-bit syscall number {getpid}, getpid", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedRecordsAreCountedNotDecoded()
    {
        var assembler = new HistoryAssembler();
        var record = Enter(tid: 1, nr: 2, ts: 3, path: "/x");
        record[TraceloopRecordLayout.HeaderSize + TraceloopRecordLayout.EnterBodySize + 2] = 200; // capture longer than the record
        assembler.Add(0, record);

        Assert.Empty(assembler.Build(RingSize));
        Assert.Equal(1, assembler.InvalidRecords);
    }

    [Fact]
    public void AnInputReadAgainAtExitReplacesTheEntersUnreadableCaptureOfTheSameArgument()
    {
        var assembler = new HistoryAssembler();
        // newfstatat(AT_FDCWD, path, statbuf, 0): the path (arg 1) unreadable at entry, read at exit with the stat buffer (arg 2).
        var unreadable = (Index: (byte)1, Status: CaptureStatus.Unreadable, Data: Array.Empty<byte>());
        var path = (Index: (byte)1, Status: CaptureStatus.Complete, Data: Encoding.ASCII.GetBytes("/etc/hosts"));
        var stat = (Index: (byte)2, Status: CaptureStatus.Complete, Data: new byte[] { 1, 2, 3, 4 });
        var enter = Record(TraceloopRecordLayout.KindEnter, tid: 10, nr: 262, ts: 100, ret: 0, unreadable);
        BinaryPrimitives.WriteInt64LittleEndian(enter.AsSpan(TraceloopRecordLayout.HeaderSize), -100);
        BinaryPrimitives.WriteInt64LittleEndian(enter.AsSpan(TraceloopRecordLayout.HeaderSize + 8), 0x1000);
        BinaryPrimitives.WriteInt64LittleEndian(enter.AsSpan(TraceloopRecordLayout.HeaderSize + 16), 0x2000);
        assembler.Add(0, enter);
        assembler.Add(0, Record(TraceloopRecordLayout.KindExit, tid: 10, nr: 262, ts: 110, ret: 0, path, stat));
        // A bad pointer: unreadable at entry, nothing more at exit.
        assembler.Add(0, Record(TraceloopRecordLayout.KindEnter, tid: 10, nr: 257, ts: 200, ret: 0, unreadable));
        assembler.Add(0, Record(TraceloopRecordLayout.KindExit, tid: 10, nr: 257, ts: 210, ret: -14));

        var history = assembler.Build(RingSize);

        Assert.Equal(2, history.Count);
        Assert.Equal([1, 2], history[0].Captured.Select(c => c.Index));
        Assert.Equal(CaptureStatus.Complete, history[0].Captured[0].Status);
        Assert.Equal("/etc/hosts", Encoding.ASCII.GetString(history[0].Captured[0].Data.Span));
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, history[0].Captured[1].Data.ToArray());
        var bad = Assert.Single(history[1].Captured);
        Assert.Equal(CaptureStatus.Unreadable, bad.Status);
        Assert.Equal(1, assembler.RetriedCaptures);
        Assert.Equal(
            "newfstatat(AT_FDCWD, \"/etc/hosts\", 0x2000, 0) = 0",
            new Gadget.Traceloop.Decoding.SyscallFormatter(catalog: new(Gadget.Traceloop.Decoding.SyscallTable.X86_64, Gadget.Traceloop.Decoding.SyscallSignatureProvider.Shared)).Format(history[0]));
    }

    [Fact]
    public void OverwrittenSyscallsAreCountedPerCpuFromTheOldestSurvivingEntersSequence()
    {
        var assembler = new HistoryAssembler();
        // CPU 0 kept enters 7 and 8 (7 before them were overwritten); CPU 1 kept its first enter (sequence 0).
        assembler.Add(0, WithSequence(Enter(tid: 10, nr: 0, ts: 700, path: null), 7));
        assembler.Add(0, Exit(tid: 10, nr: 0, ts: 710, ret: 1));
        assembler.Add(0, WithSequence(Enter(tid: 10, nr: 1, ts: 800, path: null), 8));
        assembler.Add(1, WithSequence(Enter(tid: 11, nr: 39, ts: 750, path: null), 0));
        // CPU 2's ring holds no enter any more: all 3 it was given are gone.
        Bpf.RingCounters[] counters = [new() { Enters = 9 }, new() { Enters = 1, Failed = 2 }, new() { Enters = 3 }];

        var history = assembler.BuildHistory(RingSize, counters, recordingSince: 50, missedBeforeRecording: 4);

        Assert.Equal([7UL, 0UL, 3UL], history.OverwrittenPerCpu);
        Assert.Equal(10UL, history.Overwritten);
        Assert.Equal(2UL, history.NotWritten);
        Assert.Equal(4UL, history.MissedBeforeRecording);
        Assert.False(history.IsComplete);
        Assert.Equal(50UL, history.RecordingSinceNs);
        Assert.Contains("10 older syscalls were overwritten (cpu0 7, cpu2 3)", history.DescribeGaps());
        Assert.Contains("4 syscalls were made before the cgroup had a ring", history.DescribeGaps());
    }

    [Fact]
    public void AHistoryWithEveryEnterSinceTheStartIsComplete()
    {
        var assembler = new HistoryAssembler();
        assembler.Add(0, WithSequence(Enter(tid: 10, nr: 0, ts: 100, path: null), 0));
        assembler.Add(0, Exit(tid: 10, nr: 0, ts: 110, ret: 1));

        var history = assembler.BuildHistory(RingSize, [new() { Enters = 1 }], recordingSince: 90, missedBeforeRecording: 0);

        Assert.True(history.IsComplete);
        Assert.Equal(90UL, history.CompleteSinceNs);
        Assert.Equal(string.Empty, history.DescribeGaps());
    }

    [Fact]
    public void ProcessExitRecordsBecomeProcessExitsWithTheKernelsWaitStatus()
    {
        var assembler = new HistoryAssembler();
        assembler.Add(0, WithSequence(Enter(tid: 10, nr: 231, ts: 100, path: null), 0)); // exit_group, never returns
        assembler.Add(0, Header(10, -1, 120, TraceloopRecordLayout.HeaderSize, TraceloopRecordLayout.KindProcessExit, 0, 139 << 8));
        assembler.Add(1, Header(11, -1, 130, TraceloopRecordLayout.HeaderSize, TraceloopRecordLayout.KindProcessExit, 0, 0x80 | 11));

        var history = assembler.BuildHistory(RingSize, [new() { Enters = 1 }, default], recordingSince: 0, missedBeforeRecording: 0);

        Assert.Null(Assert.Single(history).ReturnValue);
        Assert.Equal(2, history.ProcessExits.Count);
        Assert.Equal(139, history.ProcessExits[0].Status.ExitCode);
        Assert.Null(history.ProcessExits[0].Status.Signal);
        Assert.Equal("+++ exited with 139 +++", history.ProcessExits[0].ToString());
        Assert.Equal(11, history.ProcessExits[1].Status.Signal);
        Assert.True(history.ProcessExits[1].Status.CoreDumped);
        Assert.Equal("+++ killed by SIGSEGV (core dumped) +++", history.ProcessExits[1].ToString());
        Assert.Equal(0, assembler.InvalidRecords);
    }

    [Fact]
    public void WholeSyscallRecordsAreTakenAsTheyAreAndMergedWithPairedOnesInEntryOrder()
    {
        var assembler = new HistoryAssembler();
        var path = (Index: (byte)1, Status: CaptureStatus.Complete, Data: Encoding.ASCII.GetBytes("/etc/hosts"));
        // Written at exit, so CPU 0's ring holds the syscall entered at 300 before the one entered at 200 (which blocked).
        assembler.Add(0, Syscall(tid: 10, nr: 257, ts: 300, exitTs: 310, ret: 3, path));
        assembler.Add(0, Syscall(tid: 11, nr: 0, ts: 200, exitTs: 900, ret: 5));
        // An enter and an exit record: the syscall moved to another CPU.
        assembler.Add(0, Enter(tid: 12, nr: 61, ts: 250, path: null));
        assembler.Add(1, Exit(tid: 12, nr: 61, ts: 800, ret: 0));

        var history = assembler.Build(RingSize);

        Assert.Equal([200UL, 250UL, 300UL], history.Select(r => r.TimestampNs));
        Assert.Equal([5L, 0L, 3L], history.Select(r => r.ReturnValue!.Value));
        Assert.Equal([900UL, 800UL, 310UL], history.Select(r => r.ExitTimestampNs!.Value));
        Assert.Equal("/etc/hosts", Encoding.ASCII.GetString(history[2].Captured.Single().Data.Span));
        Assert.Equal("test", history[2].Command);
        Assert.Equal(0, assembler.DroppedExits);
        Assert.Equal(0, assembler.InvalidRecords);
    }

    [Fact]
    public void AWholeSyscallWithoutAnExitTimeStandsInItsRingAtItsEntryTimeAndHasNoExitTimestamp()
    {
        // exit_timestamp 0: the thread held its CPU from entry to exit, so nothing else was written to that CPU's rings in
        // between, and the entry time places the record. CPU 0 wrapped: its oldest surviving record was entered at 1000.
        var assembler = new HistoryAssembler();
        var ts = 1000UL;
        var count = (int)(RingSize / 112) + 16;
        for (var i = 0; i < count; i++)
        {
            assembler.Add(0, WithSequence(Syscall(tid: 10, nr: 39, ts: ts, exitTs: 0, ret: 10), 50 + (ulong)i));
            ts += 10;
        }
        // CPU 1: one written (at its entry) before CPU 0's oldest, one entered before it but written (clocked exit) after.
        assembler.Add(1, WithSequence(Syscall(tid: 12, nr: 39, ts: 900, exitTs: 0, ret: 12), 0));
        assembler.Add(1, WithSequence(Syscall(tid: 12, nr: 0, ts: 995, exitTs: 1005, ret: 4), 1));

        Bpf.RingCounters[] counters = [new() { Enters = 50 + (ulong)count }, new() { Enters = 2 }];

        var history = assembler.BuildHistory(RingSize, counters, recordingSince: 10, missedBeforeRecording: 0);

        Assert.False(history.IsComplete);
        Assert.Equal(1000UL, history.CompleteSinceNs);
        Assert.DoesNotContain(history, r => r.TimestampNs == 900);
        Assert.Equal([995UL, 1000UL, 1010UL], history.Take(3).Select(r => r.TimestampNs));
        Assert.Equal(1005UL, history[0].ExitTimestampNs);
        // Returned, with no exit time read.
        Assert.Equal(10L, history[1].ReturnValue);
        Assert.Null(history[1].ExitTimestampNs);
    }

    [Fact]
    public void AnInputReadAgainAtExitReplacesTheEarlierCaptureInAWholeSyscallRecord()
    {
        var assembler = new HistoryAssembler();
        var unreadable = (Index: (byte)1, Status: CaptureStatus.Unreadable, Data: Array.Empty<byte>());
        var stat = (Index: (byte)2, Status: CaptureStatus.Complete, Data: new byte[] { 1, 2, 3, 4 });
        var path = (Index: (byte)1, Status: CaptureStatus.Complete, Data: Encoding.ASCII.GetBytes("/etc/hosts"));
        assembler.Add(0, Syscall(tid: 10, nr: 262, ts: 100, exitTs: 110, ret: 0, unreadable, stat, path));

        var record = Assert.Single(assembler.Build(RingSize));

        Assert.Equal([1, 2], record.Captured.Select(c => c.Index));
        Assert.Equal("/etc/hosts", Encoding.ASCII.GetString(record.Captured[0].Data.Span));
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, record.Captured[1].Data.ToArray());
        Assert.Equal(1, assembler.RetriedCaptures);
    }

    [Fact]
    public void AnOpenSyscallIsUnfinishedUnlessTheRingHoldsItByTheTimeItIsRead()
    {
        var assembler = new HistoryAssembler();
        // Read from the kernel's per-CPU buffers first: thread 10 blocked in read, thread 11's openat still open.
        assembler.AddInFlight(1, Enter(tid: 10, nr: 0, ts: 500, path: null));
        assembler.AddInFlight(0, Enter(tid: 11, nr: 257, ts: 400, path: "/etc/hosts"));
        // Then the ring: thread 11's openat returned in between.
        assembler.Add(0, WithSequence(Syscall(tid: 11, nr: 257, ts: 400, exitTs: 450, ret: 3), 0));

        var history = assembler.BuildHistory(RingSize, [new() { Enters = 1 }, default], recordingSince: 0, missedBeforeRecording: 0);

        Assert.Equal([400UL, 500UL], history.Select(r => r.TimestampNs));
        Assert.Equal(3L, history[0].ReturnValue);
        Assert.Null(history[1].ReturnValue);
        Assert.Equal(1, history[1].Cpu);
        // The open syscalls are not in a ring: they count neither as recorded nor as overwritten.
        Assert.Equal([0UL, 0UL], history.OverwrittenPerCpu);
        Assert.True(history.IsComplete);
    }

    [Fact]
    public void OverwrittenSyscallsCountWholeSyscallRecordsToo()
    {
        var assembler = new HistoryAssembler();
        // CPU 0's oldest record that starts a syscall is a whole syscall with sequence 5: five were overwritten.
        assembler.Add(0, WithSequence(Syscall(tid: 10, nr: 0, ts: 700, exitTs: 710, ret: 1), 5));
        assembler.Add(0, WithSequence(Enter(tid: 10, nr: 1, ts: 800, path: null), 6));

        var history = assembler.BuildHistory(RingSize, [new() { Enters = 7 }], recordingSince: 50, missedBeforeRecording: 0);

        Assert.Equal([5UL], history.OverwrittenPerCpu);
        Assert.Equal(2, history.Count);
    }

    [Fact]
    public void APerfRecordHoldingABatchOfRecordsGivesEachOfThem()
    {
        var assembler = new HistoryAssembler();
        var first = Syscall(tid: 10, nr: 0, ts: 100, exitTs: 110, ret: 1);
        var second = Syscall(tid: 10, nr: 1, ts: 120, exitTs: 130, ret: 1);
        var exit = Exit(tid: 11, nr: 61, ts: 140, ret: 0);
        // Back to back (each record's size field gives the next one), then the ring's padding.
        var batch = first.AsSpan(0, TraceloopRecordLayout.Size(first)).ToArray()
            .Concat(second.AsSpan(0, TraceloopRecordLayout.Size(second)).ToArray())
            .Concat(exit.AsSpan(0, TraceloopRecordLayout.Size(exit)).ToArray())
            .Concat(new byte[4]).ToArray();
        assembler.Add(0, Enter(tid: 11, nr: 61, ts: 90, path: null));
        assembler.Add(0, batch);

        var history = assembler.Build(RingSize);

        Assert.Equal([61, 0, 1], history.Select(r => r.Number));
        Assert.All(history, r => Assert.NotNull(r.ReturnValue));
        Assert.Equal(0, assembler.InvalidRecords);
    }

    [Fact]
    public void RecordsOfABatchTheKernelWroteToTheRingWhileTheDumpWasReadAreTakenOnce()
    {
        var assembler = new HistoryAssembler();
        // Read from the kernel's per-CPU batch first, then from the ring, which the batch was written to in between.
        var first = WithSequence(Syscall(tid: 10, nr: 0, ts: 100, exitTs: 110, ret: 1), 0);
        var second = WithSequence(Syscall(tid: 10, nr: 1, ts: 120, exitTs: 130, ret: 1), 1);
        var third = WithSequence(Syscall(tid: 10, nr: 3, ts: 140, exitTs: 150, ret: 0), 0);
        assembler.AddUnwritten(0, [.. first.AsSpan(0, TraceloopRecordLayout.Size(first)), .. second.AsSpan(0, TraceloopRecordLayout.Size(second))]);
        assembler.AddUnwritten(1, third.AsSpan(0, TraceloopRecordLayout.Size(third)));
        assembler.Add(0, [.. first.AsSpan(0, TraceloopRecordLayout.Size(first)), .. second.AsSpan(0, TraceloopRecordLayout.Size(second))]);

        var history = assembler.BuildHistory(RingSize, [new() { Enters = 2 }, new() { Enters = 1 }], recordingSince: 0, missedBeforeRecording: 0);

        Assert.Equal([0, 1, 3], history.Select(r => r.Number));
        // The batch's records count as recorded: nothing was overwritten.
        Assert.Equal([0UL, 0UL], history.OverwrittenPerCpu);
    }

    [Fact]
    public void AFullRingThatStillHoldsItsFirstRecordDidNotWrap()
    {
        var assembler = new HistoryAssembler();
        // CPU 0's ring (one page: one batch fills it) holds its first record (sequence 0): nothing before it is missing, so
        // CPU 1's older records stay in the history.
        assembler.Add(0, WithSequence(Syscall(tid: 10, nr: 39, ts: 1000, exitTs: 1001, ret: 10), 0));
        assembler.Add(1, WithSequence(Syscall(tid: 12, nr: 59, ts: 900, exitTs: 950, ret: 0), 0));

        var history = assembler.Build(4096);

        Assert.Equal([59, 39], history.Select(r => r.Number));
    }

    [Fact]
    public void AOnePageRingHoldingOnlyAProcessExitDoesNotCutTheOtherCpusHistory()
    {
        var assembler = new HistoryAssembler();
        // CPU 0 wrapped (its oldest enter is the 40th it was given); the process's exit was recorded on CPU 1, whose
        // one-page ring holds nothing else: CPU 1 lost nothing, so CPU 0's surviving syscalls are the history.
        assembler.Add(0, WithSequence(Enter(tid: 10, nr: 1, ts: 1000, path: null), 40));
        assembler.Add(0, Exit(tid: 10, nr: 1, ts: 1001, ret: 2));
        assembler.Add(0, WithSequence(Enter(tid: 10, nr: 231, ts: 1100, path: null), 41));
        assembler.Add(1, Header(10, -1, 1200, TraceloopRecordLayout.HeaderSize, TraceloopRecordLayout.KindProcessExit, 0, 0));

        var history = assembler.BuildHistory(4096, [new() { Enters = 42 }, default], recordingSince: 0, missedBeforeRecording: 0);

        Assert.Equal([1, 231], history.Select(r => r.Number));
        Assert.Equal([40UL, 0UL], history.OverwrittenPerCpu);
        Assert.Single(history.ProcessExits);
    }

    [Fact]
    public void ARingWhoseOldestEnterIsNotItsFirstWrappedHoweverLittleItHolds()
    {
        var assembler = new HistoryAssembler();
        // CPU 1's ring holds one enter, the 5th it was given, and none was refused: the four before it were overwritten (by
        // a batch that a smaller, newer one then overwrote in part), so CPU 0's older syscall may have lost its pair there.
        assembler.Add(0, WithSequence(Syscall(tid: 10, nr: 39, ts: 500, exitTs: 501, ret: 10), 0));
        assembler.Add(1, WithSequence(Enter(tid: 11, nr: 0, ts: 900, path: null), 4));

        var history = assembler.BuildHistory(RingSize, [new() { Enters = 1 }, new() { Enters = 5 }], recordingSince: 0, missedBeforeRecording: 0);

        Assert.Equal([0], history.Select(r => r.Number));
        Assert.Equal(900UL, history.CompleteSinceNs);
    }
}
