using System.Globalization;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// <see cref="TracedCommand.Prepare"/> makes the command's cgroup and ring (what can be refused) and starts nothing, so a
/// tool can say it is ready between that and <see cref="TracedCommand.Start()"/>; a command prepared and never started
/// leaves neither behind. <see cref="TracedCommandOptions.OpenFileSoftLimit"/> is the command's soft open-file limit.
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

    [Fact]
    public async Task ACommandGetsTheOpenFileSoftLimitItIsGivenAndTheShellSettingItIsNotInItsHistory()
    {
        var (ownSoft, ownHard) = Limits(File.ReadLines("/proc/self/limits"));
        var limit = Math.Min(ownHard, 1UL << 20) / 4; // below this test host's, which its runtime raised to the hard one
        Assert.NotEqual(ownSoft, limit);
        await using var tracer = TraceloopTracer.Start();
        // cat reads its limits from /proc: no getrlimit or prlimit64 of its own.
        await using var command = TracedCommand.Prepare(tracer, "cat", ["/proc/self/limits"], new TracedCommandOptions { RedirectOutput = true, OpenFileSoftLimit = limit });
        command.Start();
        var output = await command.Process.StandardOutput.ReadToEndAsync();
        Assert.Equal(0, await command.WaitForExitAsync());

        Assert.Equal((limit, ownHard), Limits(output.Split('\n')));
        var history = command.Dump();
        var table = Decoding.SyscallCatalog.Current.Table;
        Assert.Equal("execve", table.GetName(history[0].Number));
        // The shell's ulimit is in the cgroup's ring, before the execve, and not in the command's history: no RLIMIT_NOFILE
        // (7) call at all there (the loader's prlimit64 of RLIMIT_STACK is cat's).
        Assert.Contains(tracer.Dump(command.CgroupId), OpenFileLimitCall);
        Assert.DoesNotContain(history, OpenFileLimitCall);

        bool OpenFileLimitCall(SyscallRecord r) => table.GetName(r.Number) switch
        {
            "prlimit64" => r.Arguments[1] == 7,
            "setrlimit" or "getrlimit" => r.Arguments[0] == 7,
            _ => false,
        };
    }

    [Fact]
    public async Task AnOpenFileSoftLimitAboveTheHardOneIsRefused()
    {
        var (_, hard) = Limits(File.ReadLines("/proc/self/limits"));
        Assert.NotEqual(ulong.MaxValue, hard); // unlimited: nothing is above it
        await using var tracer = TraceloopTracer.Start();
        var cgroups = Directory.GetDirectories(CgroupId.Cgroup2Root, $"traceloop-{Environment.ProcessId}-*");

        Assert.Throws<ArgumentOutOfRangeException>(() => TracedCommand.Prepare(tracer, "true", [], new TracedCommandOptions { OpenFileSoftLimit = hard + 1 }));
        Assert.Empty(tracer.Cgroups);
        Assert.Equal(cgroups, Directory.GetDirectories(CgroupId.Cgroup2Root, $"traceloop-{Environment.ProcessId}-*"));
    }

    /// <summary>The "Max open files" line of a <c>limits</c> file.</summary>
    private static (ulong Soft, ulong Hard) Limits(IEnumerable<string> limits)
    {
        var line = limits.Single(l => l.StartsWith("Max open files ", StringComparison.Ordinal));
        var fields = line["Max open files ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (Value(fields[0]), Value(fields[1]));

        static ulong Value(string text) => text == "unlimited" ? ulong.MaxValue : ulong.Parse(text, CultureInfo.InvariantCulture);
    }
}
