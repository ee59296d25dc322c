namespace Gadget.Traceloop.Tests;

/// <summary>
/// <see cref="TracedCommand.Prepare"/> makes the command's cgroup and ring (what can be refused) and starts nothing, so a
/// tool can say it is ready between that and <see cref="TracedCommand.Start()"/>; a command prepared and never started
/// leaves neither behind.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class TracedCommandTests
{
    [Fact]
    public async Task APreparedCommandHasItsRingBeforeItStartsAndIsRecordedFromItsExecve()
    {
        await using var tracer = TraceloopTracer.Start();
        await using var command = TracedCommand.Prepare(tracer, "/bin/busybox", ["true"], new TracedCommandOptions { RedirectOutput = true, PagesPerCpu = 8 });

        Assert.True(Directory.Exists(command.CgroupPath), $"no cgroup {command.CgroupPath}");
        Assert.True(tracer.IsRecording(command.CgroupId), "the ring is not recording before the command starts");
        Assert.Empty(File.ReadAllText(Path.Combine(command.CgroupPath, "cgroup.procs")).Trim()); // nothing started in it
        Assert.Throws<InvalidOperationException>(() => command.Process);
        Assert.Throws<InvalidOperationException>(() => command.Dump());
        Assert.Null(command.GetExitStatus());

        command.Start();
        Assert.Equal(0, await command.WaitForExitAsync());
        Assert.Throws<InvalidOperationException>(command.Start);

        var history = command.Dump();
        var table = Decoding.SyscallCatalog.Current.Table;
        Assert.Equal("execve", table.GetName(history[0].Number));
        Assert.All(history, r => Assert.Equal(command.ProcessId, r.ProcessId));
        Assert.Contains(history.ProcessExits, e => e.ProcessId == command.ProcessId);
    }

    [Fact]
    public async Task ACommandPreparedAndNeverStartedLeavesNoCgroupAndNoRing()
    {
        await using var tracer = TraceloopTracer.Start();
        string path;
        ulong id;
        await using (var command = TracedCommand.Prepare(tracer, "true", []))
        {
            path = command.CgroupPath;
            id = command.CgroupId;
            Assert.Contains(id, tracer.Cgroups);
        }

        Assert.False(Directory.Exists(path), $"{path} is still there");
        Assert.DoesNotContain(id, tracer.Cgroups);
    }
}
