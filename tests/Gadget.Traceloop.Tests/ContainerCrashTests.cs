using System.Collections.Concurrent;
using System.Text;
using Gadget.Containers;
using Gadget.Containers.Tests;
using Xunit.Abstractions;

namespace Gadget.Traceloop.Tests;

/// <summary>Real runc containers followed through a <see cref="ContainerCollection"/>: a crash dumps the history by itself.</summary>
[Collection(KernelCollection.Name)]
public sealed class ContainerCrashTests(ITestOutputHelper output)
{
    private const int ExecveNumber = 59;
    private const int WriteNumber = 1;
    private const int KillNumber = 62;
    private const int ExitGroupNumber = 231;
    private const int GetpidNumber = 39;
    private const int RtSigreturnNumber = 15;

    [Fact]
    public async Task ContainersThatCrashOrFailGetTheirHistoryDumpedAndTheOthersDoNot()
    {
        var prefix = RuncContainer.NewId("tl-crash");
        await using var tracer = TraceloopTracer.Start();
        using var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = Timeout.InfiniteTimeSpan });
        using var recorder = tracer.Follow(collection, new ContainerSelector { IdPrefix = prefix });
        var crashed = new ConcurrentDictionary<string, ContainerHistoryEventArgs>();
        recorder.ContainerCrashed += (_, e) => crashed[e.Container.Id] = e;

        // A child shell kills itself with SIGSEGV (the container's init cannot: pid 1 ignores signals it has no handler for),
        // and the init shell exits with the child's status (139).
        using var segv = RuncContainer.Create(prefix + "-segv", ["sh", "-c", "sleep 1; echo before-the-crash > /dev/null; sh -c 'kill -SEGV $$'; exit $?"]);
        using var fails = RuncContainer.Create(prefix + "-exit1", ["sh", "-c", "sleep 1; echo about-to-fail > /dev/null; exit 1"]);
        using var fine = RuncContainer.Create(prefix + "-ok", ["sh", "-c", "sleep 1; echo all-good > /dev/null; exit 0"]);
        using var other = RuncContainer.Create(RuncContainer.NewId("tl-other"), ["sh", "-c", "exit 2"]);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (crashed.Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.True(fine.WaitStopped(TimeSpan.FromSeconds(10)));
        Assert.True(other.WaitStopped(TimeSpan.FromSeconds(10)));
        await Task.Delay(500);

        Assert.Equal([fails.Id, segv.Id], crashed.Keys.Order(StringComparer.Ordinal));

        var segvHistory = crashed[segv.Id].History;
        Print(segvHistory);
        Assert.Equal(139, crashed[segv.Id].Container.ExitStatus?.ExitCode);
        var marker = segvHistory.Single(r => r.Number == WriteNumber && Text(r, 1) == "before-the-crash\n");
        // The killer: kill(self, SIGSEGV) by the child shell (pids inside the container are those of its pid namespace: compare
        // with what its getpid returned), after the marker; the child made no syscall after it: the signal killed it.
        var kill = segvHistory.Single(r => r.Number == KillNumber);
        Assert.Equal(11UL, kill.Arguments[1]);
        var getpid = segvHistory.Last(r => r.Number == GetpidNumber && r.ProcessId == kill.ProcessId && r.TimestampNs < kill.TimestampNs);
        Assert.Equal((ulong)getpid.ReturnValue!.Value, kill.Arguments[0] & 0xffffffff);
        Assert.True(kill.TimestampNs > marker.TimestampNs);
        Assert.NotEqual(marker.ProcessId, kill.ProcessId);
        Assert.Same(kill, segvHistory.Last(r => r.ProcessId == kill.ProcessId));
        // The init shell's SIGCHLD handler returned (rt_sigreturn pairs with its exit, reported as syscall -1), and exit_group(139) is last.
        Assert.All(segvHistory.Where(r => r.Number == RtSigreturnNumber), r => Assert.NotNull(r.ReturnValue));
        Assert.Equal(ExitGroupNumber, segvHistory[^1].Number);
        Assert.Equal(139UL, segvHistory[^1].Arguments[0]);
        // The container's init shell is in the history (its marker write, its exit_group below).
        Assert.Equal(crashed[segv.Id].Container.Pid, marker.ProcessId);

        var failHistory = crashed[fails.Id].History;
        Assert.Equal(1, crashed[fails.Id].Container.ExitStatus?.ExitCode);
        Assert.Contains(failHistory, r => r.Number == WriteNumber && Text(r, 1) == "about-to-fail\n");
        Assert.Equal(ExitGroupNumber, failHistory[^1].Number);
        Assert.Equal(1UL, failHistory[^1].Arguments[0]);

        // The successful one was recorded too, and its history stays readable after it ended.
        var fineHistory = recorder.Dump(fine.Id);
        // An empty name is a prefix of every id: refused, not taken for the only container recorded.
        Assert.Throws<ArgumentException>(() => recorder.Dump(""));
        Assert.Contains(fineHistory, r => r.Number == WriteNumber && Text(r, 1) == "all-good\n");
        Assert.Equal(ExitGroupNumber, fineHistory[^1].Number);
        // The unselected container has no ring.
        Assert.DoesNotContain(recorder.Containers, c => c.Id == other.Id);
        Assert.True(recorder.Release(fine.Id));
        Assert.Throws<KeyNotFoundException>(() => recorder.Dump(fine.Id));
    }

    [Fact]
    public async Task AContainerThatFailsAtOnceHasItsFirstSyscallsRecorded()
    {
        // No sleep: the container's shell writes its marker and fails right after exec. Only a ring that exists before
        // the first instruction of the container's program (the collection's exec hold) can hold its whole history.
        var prefix = RuncContainer.NewId("tl-first");
        await using var tracer = TraceloopTracer.Start();
        using var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = Timeout.InfiniteTimeSpan });
        using var recorder = tracer.Follow(collection, new ContainerSelector { IdPrefix = prefix });
        var crashed = new TaskCompletionSource<ContainerHistoryEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        recorder.ContainerCrashed += (_, e) => crashed.TrySetResult(e);

        using var container = RuncContainer.Run(prefix + "-x", ["sh", "-c", "echo first-thing > /dev/null; exit 7"]);
        var dump = await crashed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Print(dump.History);

        Assert.Equal(7, dump.Container.ExitStatus?.ExitCode);
        var marker = dump.History.Single(r => r.Number == WriteNumber && Text(r, 1) == "first-thing\n");
        // Everything the shell did before the marker is there too: it starts at the shell's first syscall after its exec.
        var beforeMarker = dump.History.TakeWhile(r => !ReferenceEquals(r, marker)).Where(r => r.ProcessId == marker.ProcessId).ToList();
        Assert.True(beforeMarker.Count >= 3, $"only {beforeMarker.Count} syscalls of the shell before its first write were recorded");
        Assert.Equal(ExitGroupNumber, dump.History[^1].Number);
        Assert.Equal(7UL, dump.History[^1].Arguments[0]);
    }

    private static string Text(SyscallRecord r, int index) =>
        r.Captured.FirstOrDefault(c => c.Index == index) is { Data.IsEmpty: false } c ? Encoding.ASCII.GetString(c.Data.Span) : string.Empty;

    private void Print(IReadOnlyList<SyscallRecord> history)
    {
        foreach (var r in history.TakeLast(25))
        {
            output.WriteLine($"{r.ProcessId} {r.Command} [{r.Number}] ({string.Join(", ", r.Arguments.Take(3).Select(a => a.ToString("x")))}) = {r.ReturnValue?.ToString() ?? "?"}");
        }
    }
}
