using System.Text;

namespace Gadget.Gadgets.Tests;

[Collection("gadgets")]
public sealed class ExecSnoopConsumeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Real execs of /bin/true with a marker argument, read with <see cref="RingBufferViewGadget{TEvent, TView}.Consume{THandler}"/> and a struct
    /// handler: every exec arrives with its pid, comm, parent and argv as the kernel reported them, and reading (the
    /// records of every process on the host, in place) allocates nothing on the reading thread.
    /// </summary>
    [Fact]
    public async Task StructHandlerSeesEveryExecInPlace_WithoutAllocating()
    {
        const int Execs = 20;
        await using var snoop = ExecSnoop.Start(new GadgetOptions());
        var marker = "consume-" + Guid.NewGuid().ToString("N");
        var pids = new int[Execs];
        for (var i = 0; i < Execs; i++)
        {
            var (pid, exitCode) = Processes.Run("/bin/true", marker);
            Assert.Equal(0, exitCode);
            pids[i] = pid;
        }

        var handler = new MarkerHandler(Encoding.UTF8.GetBytes(marker), Execs);
        long allocated = 0;
        var records = 0;
        using var timeout = new CancellationTokenSource(Timeout);
        while (handler.Seen < Execs && await snoop.WaitAsync(timeout.Token))
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            records += snoop.Consume(ref handler);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal(Execs, handler.Seen);
        Assert.True(records >= Execs, $"{records} records handed out");
        Assert.Equal(pids, handler.Pids);
        Assert.Equal(0, handler.Mismatches);
        Assert.Equal(0, allocated);
    }

    /// <summary>The same records through <see cref="ExecEventView.ToEvent"/>: what ReadAsync would have given.</summary>
    [Fact]
    public async Task ViewToEventMatchesTheExec()
    {
        await using var snoop = ExecSnoop.Start(new GadgetOptions());
        var marker = "toevent-" + Guid.NewGuid().ToString("N");
        var (pid, _) = Processes.Run("/bin/true", marker, "second");
        var handler = new CollectingHandler(marker);
        using var timeout = new CancellationTokenSource(Timeout);
        while (handler.Found is null && await snoop.WaitAsync(timeout.Token))
        {
            snoop.Consume(ref handler);
        }

        var exec = handler.Found;
        Assert.NotNull(exec);
        Assert.Equal(pid, exec.Pid);
        Assert.Equal("true", exec.Comm);
        Assert.Equal(Environment.ProcessId, exec.ParentPid);
        Assert.Equal(["/bin/true", marker, "second"], exec.Arguments);
        Assert.False(exec.ArgumentsTruncated);
        Assert.Equal(0, exec.ReturnValue);
    }

    /// <summary>
    /// A one-page ring holds one or two exec records. With nobody reading, 40 execs overflow it: the first Consume hands
    /// out what the ring held, then raises EventsLost with what the kernel dropped (its batch filled the ring, so it
    /// reads the counter), and the gadget's counter agrees.
    /// </summary>
    [Fact]
    public async Task ConsumeAfterTheRingOverflowed_RaisesEventsLost()
    {
        const int Execs = 40;
        await using var snoop = ExecSnoop.Start(new GadgetOptions { RingBufferSize = Environment.SystemPageSize });
        var reports = new List<EventsLostEventArgs>();
        snoop.EventsLost += (sender, e) =>
        {
            Assert.Same(snoop, sender);
            reports.Add(e);
        };
        var marker = "lost-" + Guid.NewGuid().ToString("N");
        for (var i = 0; i < Execs; i++)
        {
            Processes.Run("/bin/true", marker);
        }

        var handler = new MarkerHandler(Encoding.UTF8.GetBytes(marker), Execs);
        using var timeout = new CancellationTokenSource(Timeout);
        Assert.True(await snoop.WaitAsync(timeout.Token));
        snoop.Consume(ref handler);

        var lost = Assert.Single(reports);
        Assert.True(lost.Count >= (ulong)(Execs - handler.Seen - 2), $"{lost.Count} lost, {handler.Seen} of {Execs} read");
        Assert.Equal(lost.Count, lost.Total);
        Assert.True(snoop.LostEvents >= lost.Total);
    }

    private struct MarkerHandler(byte[] marker, int capacity) : IEventViewHandler<ExecEventView>
    {
        public int Seen { get; private set; }

        public int Mismatches { get; private set; }

        public int[] Pids { get; } = new int[capacity];

        public void OnEvent(in ExecEventView exec)
        {
            var index = 0;
            var ours = false;
            foreach (var argument in exec.Arguments)
            {
                ours |= index++ == 1 && argument.SequenceEqual(marker);
            }
            if (!ours || Seen == Pids.Length)
            {
                return;
            }
            Pids[Seen++] = exec.Pid;
            if (!exec.CommUtf8.SequenceEqual("true"u8) || exec.ParentPid != Environment.ProcessId || exec.ReturnValue != 0
                || exec.ArgumentCount != 2 || exec.ArgumentsTruncated || exec.Container is not null)
            {
                Mismatches++;
            }
        }
    }

    private struct CollectingHandler(string marker) : IEventViewHandler<ExecEventView>
    {
        public ExecEvent? Found { get; private set; }

        public void OnEvent(in ExecEventView exec)
        {
            var e = exec.ToEvent();
            if (e.Arguments.Count > 1 && e.Arguments[1] == marker)
            {
                Found = e;
            }
        }
    }
}
