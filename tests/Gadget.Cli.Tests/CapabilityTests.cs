using System.Diagnostics;
using System.Text.Json.Nodes;
using Gadget.Containers.Tests;

namespace Gadget.Cli.Tests;

/// <summary>
/// The capability sets README.md's "Running without root" documents, tried as uid 65534 with exactly those capabilities
/// (ambient): each works and shows a real event; with one of them removed, the one line on standard error names that
/// capability (and nothing said 'ready' first).
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class CapabilityTests
{
    /// <summary>Tracepoint gadgets on the host: tracefs (mode 0700, root's) holds the tracepoints' ids.</summary>
    private static readonly string[] HostTracing = ["bpf", "perfmon", "dac_read_search"];

    /// <summary>Gadgets that select containers also read the runtimes' state and other users' /proc/PID/ns.</summary>
    private static readonly string[] ContainerTracing = ["bpf", "perfmon", "dac_read_search", "sys_ptrace"];

    /// <summary>traceloop run makes its command's cgroup in the cgroup2 root (root's).</summary>
    private static readonly string[] TraceloopRun = ["bpf", "perfmon", "dac_override"];

    [Fact]
    public async Task ExecsnoopOnTheHostSeesAnExecWithTheDocumentedSet()
    {
        var marker = $"capability-marker-{Guid.NewGuid():N}"[..32];
        using var gadget = new RunningTool(Tool.Gadgets, HostTracing, "execsnoop", "--host");
        await gadget.WaitReadyAsync();
        await gadget.TriggerUntilAsync(() => Process.Start("/bin/true", marker).WaitForExit(), l => l.Contains(marker, StringComparison.Ordinal));
        await gadget.InterruptExpectingSuccessAsync();
    }

    [Fact]
    public async Task ExecsnoopWithoutCapDacReadSearchNamesIt()
    {
        var run = await Tool.Gadgets.RunAsync(["execsnoop", "--host", "--timeout", "86400"], capabilities: ["bpf", "perfmon"]);
        run.AssertOneLineFailure(1, "CAP_DAC_READ_SEARCH");
        Assert.Contains("/sys/kernel/tracing/", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("BPF needs CAP_BPF", run.ErrorLines[0], StringComparison.Ordinal); // the process has both
    }

    [Fact]
    public async Task TraceloopRunRecordsWithTheDocumentedSet()
    {
        var run = await Tool.Traceloop.RunAsync(["run", "--", "/bin/true"], capabilities: TraceloopRun);
        Assert.True(run.ExitCode == 0, $"{run.CommandLine}: exit {run.ExitCode}\n{run.Error}");
        Assert.Contains("execve(\"/bin/true\"", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TraceloopRunWithoutCapDacOverrideNamesItBeforeSayingReady()
    {
        var run = await Tool.Traceloop.RunAsync(["run", "--", "/bin/true"], capabilities: ["bpf", "perfmon", "dac_read_search"]);
        run.AssertOneLineFailure(1, "CAP_DAC_OVERRIDE");
        Assert.DoesNotContain(": ready: ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OomKillInAContainerSeesTheKillWithTheDocumentedSet()
    {
        var id = RuncContainer.NewId("cap-oom");
        using var gadget = new RunningTool(Tool.Gadgets, ContainerTracing, "oomkill", "--id", id, "-o", "json");
        await gadget.WaitReadyAsync();
        // busybox tail keeps the last 10 lines of /dev/zero, which has no newline: it grows until the limit.
        using var container = RuncContainer.Create(id, ["sh", "-c", "sleep 0.5; /bin/busybox tail /dev/zero"], configure: LimitMemory);
        var line = await gadget.TriggerUntilAsync(() => { }, l => l.Contains(id, StringComparison.Ordinal));
        await gadget.InterruptExpectingSuccessAsync();
        Assert.Contains("\"oomkill\"", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TraceloopWatchRecordsAContainerWithTheDocumentedSet()
    {
        var id = RuncContainer.NewId("cap-watch");
        var socket = Path.Combine(Path.GetTempPath(), $"gadget-cap-watch-{Guid.NewGuid():N}.sock");
        using var watch = new RunningTool(Tool.Traceloop, ContainerTracing, "watch", "--id", id, "--socket", socket);
        await watch.WaitReadyAsync();
        var marker = $"/capability-marker-{Guid.NewGuid():N}"[..32];
        using var container = RuncContainer.Create(id, ["sh", "-c", $"while true; do cat {marker} 2>/dev/null; sleep 0.2; done"]);
        var deadline = Stopwatch.StartNew();
        CliRun dump;
        do
        {
            await Task.Delay(300);
            dump = await Tool.Traceloop.RunAsync(["dump", id, "--socket", socket]);
        }
        while (!dump.Output.Contains(marker, StringComparison.Ordinal) && deadline.Elapsed < TimeSpan.FromSeconds(60));
        Assert.True(dump.Output.Contains(marker, StringComparison.Ordinal), $"{dump.CommandLine}: exit {dump.ExitCode}\n{dump.Output}\n{dump.Error}\nwatch:\n{watch.Error}");
        await watch.InterruptExpectingSuccessAsync();
    }

    [Fact]
    public async Task SelectingContainersWithoutCapSysPtraceNamesIt()
    {
        var run = await Tool.Gadgets.RunAsync(["execsnoop", "--timeout", "86400"], capabilities: ["bpf", "perfmon", "dac_read_search"]);
        run.AssertOneLineFailure(1, "CAP_SYS_PTRACE");
        Assert.DoesNotContain(": ready: ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TraceDnsWithoutCapNetRawNamesIt()
    {
        var run = await Tool.Gadgets.RunAsync(["trace", "dns", "--host", "--timeout", "86400"], capabilities: HostTracing);
        run.AssertOneLineFailure(1, "CAP_NET_RAW");
    }

    /// <summary>
    /// The command's ring is made (and its memory refused) before traceloop says it is ready: it said 'ready' first, then
    /// failed, as the ring was made when the command started.
    /// </summary>
    [Fact]
    public async Task PerfRingsBeyondTheMemlockLimitNameCapIpcLockBeforeSayingReady()
    {
        // 4096 pages (16 MiB) per CPU: more than kernel.perf_event_mlock_kb per CPU plus an 8 MiB RLIMIT_MEMLOCK.
        var refused = await Tool.Traceloop.RunAsync(["run", "--pages", "4096", "--", "/bin/true"], capabilities: TraceloopRun, memlockBytes: 8L << 20);
        refused.AssertOneLineFailure(1, "CAP_IPC_LOCK");
        Assert.Contains("perf_event_mlock_kb", refused.ErrorLines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(": ready: ", refused.Error, StringComparison.Ordinal);
        var run = await Tool.Traceloop.RunAsync(["run", "--pages", "4096", "--", "/bin/true"], capabilities: [.. TraceloopRun, "ipc_lock"], memlockBytes: 8L << 20);
        Assert.True(run.ExitCode == 0, $"{run.CommandLine}: exit {run.ExitCode}\n{run.Error}");
    }

    /// <summary>Root without CAP_IPC_LOCK (dropped from its bounding set, as a container or a unit may): the same, before 'ready'.</summary>
    [Fact]
    public async Task TraceloopRunAsRootWithoutCapIpcLockNamesItBeforeSayingReady()
    {
        string[] withoutIpcLock = ["setpriv", "--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock", "--"];
        var refused = await Tool.Traceloop.RunAsync(["run", "--pages", "4096", "--", "/bin/true"], memlockBytes: 8L << 20, launcher: withoutIpcLock);
        refused.AssertOneLineFailure(1, "CAP_IPC_LOCK");
        Assert.DoesNotContain(": ready: ", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("execve(", refused.Error, StringComparison.Ordinal); // the command never ran
    }

    [Fact]
    public async Task TheAgentWithoutCapSysPtraceNamesItAndDoesNotListen()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"gadget-cap-agent-{Guid.NewGuid():N}.sock");
        var run = await Tool.Agent.RunAsync(["--socket", socket, "--kubernetes", "off"], capabilities: ["sys_admin", "dac_read_search"]);
        run.AssertOneLineFailure(1, "CAP_SYS_PTRACE");
        Assert.False(File.Exists(socket), "the agent listened without CAP_SYS_PTRACE");
    }

    private static void LimitMemory(JsonObject config)
    {
        var linux = config["linux"]!.AsObject();
        linux["resources"] ??= new JsonObject();
        linux["resources"]!["memory"] = new JsonObject { ["limit"] = 32L << 20, ["swap"] = 32L << 20 };
    }
}
