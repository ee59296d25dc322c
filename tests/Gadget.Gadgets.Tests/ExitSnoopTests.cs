using System.Diagnostics;
using System.Globalization;
using Gadget.Containers;
using Gadget.Containers.Tests;
using ExitRecord = Gadget.Gadgets.Bpf.Exitsnoop.ExitEvent;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// exitsnoop against real exits: a Python parent forks children that exit with code 3, are killed with SIGKILL, crash
/// with a real SIGSEGV (a NULL read, no core allowed) and crash again with cores allowed; the parent's own waitpid()
/// status is the oracle, and the gadget must report exactly it.
/// </summary>
[Collection("gadgets")]
public sealed class ExitSnoopTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    // Each case: fork, the child does its part, the parent waits and prints "CASE CHILD_PID WAIT_STATUS [EXTRA]".
    private const string Oracle = """
        import ctypes, os, resource, signal, sys, threading, time
        def run(name, child, after_fork=None):
            pid = os.fork()
            if pid == 0:
                try:
                    child()
                finally:
                    os._exit(99)
            if after_fork: after_fork(pid)
            _, status = os.waitpid(pid, 0)
            print(name, pid, status, flush=True)
        def exit3():
            time.sleep(0.3)
            os._exit(3)
        def sleep():
            time.sleep(60)
        def crash(core):
            def go():
                limit = resource.RLIM_INFINITY if core else 0
                resource.setrlimit(resource.RLIMIT_CORE, (limit, limit))
                ctypes.string_at(0)
            return go
        def threaded():
            t = threading.Thread(target=lambda: print("thread", threading.get_native_id(), flush=True))
            t.start(); t.join()
            os._exit(0)
        for case in sys.argv[1:]:
            if case == "exit3": run(case, exit3)
            elif case == "kill": run(case, sleep, lambda pid: (time.sleep(0.1), os.kill(pid, signal.SIGKILL)))
            elif case == "segv": run(case, crash(False))
            elif case == "segv-core": run(case, crash(True))
            elif case == "threaded": run(case, threaded)
        """;

    [Fact]
    public async Task ExitCodeSignalsAndCrashesAreReportedAsWaitSeesThem()
    {
        await using var snoop = ExitSnoop.Start(new GadgetOptions());
        await using var events = new EventCollector<ExitEvent>(snoop.ReadAsync());
        var started = Stopwatch.StartNew();
        var cwd = Directory.CreateTempSubdirectory("gadget-exitsnoop-"); // where a core may go
        try
        {
            var (parent, lines) = RunOracle(cwd.FullName, "exit3", "kill", "segv", "segv-core");
            var elapsed = started.Elapsed;
            Assert.Equal(4, lines.Count);
            foreach (var (name, pid, status) in lines)
            {
                var e = await events.WaitForAsync(x => x.Pid == pid, Timeout);
                Assert.True(e is not null, $"{name}: no exit event for pid {pid}");
                Assert.Equal(status, e.ExitStatus);
                Assert.Equal(pid, e.Tid);
                Assert.Equal(parent, e.ParentPid);
                Assert.StartsWith("python3", e.ParentComm, StringComparison.Ordinal);
                Assert.StartsWith("python3", e.Comm, StringComparison.Ordinal);
                Assert.Null(e.Container);
                Assert.True(e.Lifetime <= elapsed, $"{name}: lived {e.Lifetime}, longer than the test's {elapsed}");
                switch (name)
                {
                    case "exit3":
                        Assert.Equal(3, e.ExitCode);
                        Assert.Null(e.Signal);
                        Assert.False(e.CoreDumped);
                        Assert.True(e.Lifetime >= TimeSpan.FromMilliseconds(300), $"slept 300 ms, lived {e.Lifetime}");
                        break;
                    case "kill":
                        Assert.Null(e.ExitCode);
                        Assert.Equal(9, e.Signal);
                        Assert.Equal("SIGKILL", e.SignalName);
                        Assert.False(e.CoreDumped);
                        break;
                    case "segv":
                        Assert.Equal(11, e.Signal);
                        Assert.Equal("SIGSEGV", e.SignalName);
                        Assert.False(e.CoreDumped); // RLIMIT_CORE 0
                        break;
                    case "segv-core":
                        Assert.Equal(11, e.Signal);
                        Assert.Equal((status & 0x80) != 0, e.CoreDumped); // whether the kernel dumped depends on core_pattern
                        break;
                }
            }
        }
        finally
        {
            cwd.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ThreadsAreReportedOnlyWhenAsked()
    {
        await using var processes = ExitSnoop.Start(new GadgetOptions());
        await using var threads = ExitSnoop.Start(new GadgetOptions(), new ExitSnoopOptions { Threads = true });
        await using var processEvents = new EventCollector<ExitEvent>(processes.ReadAsync());
        await using var threadEvents = new EventCollector<ExitEvent>(threads.ReadAsync());
        var (_, lines) = RunOracle(Path.GetTempPath(), "threaded");
        var (_, pid, status) = Assert.Single(lines, l => l.Name == "threaded");
        var tid = Assert.Single(lines, l => l.Name == "thread").Pid;
        Assert.NotEqual(pid, tid);

        var leader = await processEvents.WaitForAsync(e => e.Pid == pid, Timeout);
        Assert.NotNull(leader);
        Assert.Equal(pid, leader.Tid);
        Assert.Equal(status, leader.ExitStatus);
        // The thread ended (joined) before its leader: had it been reported, its event would be in the ring before the leader's.
        Assert.DoesNotContain(processEvents.Snapshot(), e => e.Pid == pid && e.Tid != pid);

        var thread = await threadEvents.WaitForAsync(e => e.Tid == tid, Timeout);
        Assert.NotNull(thread);
        Assert.Equal(pid, thread.Pid);
        Assert.Equal(0, thread.ExitCode);
        Assert.NotNull(await threadEvents.WaitForAsync(e => e.Tid == pid, Timeout));
    }

    [Fact]
    public async Task ASelectedContainersExitIsReported_OthersStayInTheKernel()
    {
        await using var containers = new ContainerCollection();
        var selectedId = RuncContainer.NewId("exit-sel");
        var otherId = RuncContainer.NewId("exit-other");
        await using var snoop = ExitSnoop.Start(new GadgetOptions { Containers = containers, Selector = new ContainerSelector { IdPrefix = selectedId } });
        await using var events = new EventCollector<ExitEvent>(snoop.ReadAsync());
        using var selected = RuncContainer.Create(selectedId, ["sh", "-c", "exit 7"], start: false);
        using var other = RuncContainer.Create(otherId, ["sh", "-c", "exit 8"], start: false);
        var selectedPid = selected.Pid;
        var otherPid = other.Pid;
        Assert.NotNull(await containers.WaitForContainerAsync(c => c.Id == selectedId, Timeout));
        Assert.NotNull(await containers.WaitForContainerAsync(c => c.Id == otherId, Timeout));
        var (host, hostCode) = Processes.Run("/bin/sh", "-c", "exit 6");
        Assert.Equal(6, hostCode);
        other.Start();
        Assert.True(other.WaitStopped(Timeout));
        selected.Start();
        Assert.True(selected.WaitStopped(Timeout));

        var exited = await events.WaitForAsync(e => e.Pid == selectedPid, Timeout);
        Assert.NotNull(exited);
        Assert.Equal(7, exited.ExitCode);
        Assert.Equal(selectedId, exited.Container?.Id);
        Assert.Equal("sh", exited.Comm);
        // The host's sh and the other container exited before the selected one: neither left the kernel.
        var all = events.Snapshot();
        Assert.DoesNotContain(all, e => e.Pid == otherPid || e.Pid == host);
        Assert.All(all, e => Assert.Equal(selectedId, e.Container?.Id));
    }

    [Fact]
    public void ARecordIsParsedFromItsBytes()
    {
        var bytes = new byte[ExitRecord.Size];
        var record = new ExitRecord { Timestamp = 1_000_000_000, CgroupId = 42, LifetimeNs = 1_500_000_000, ExitStatus = 0x8b };
        record.Proc.Pid = 100;
        record.Proc.Tid = 101;
        record.Proc.Ppid = 1;
        "worker"u8.CopyTo(record.Proc.Comm);
        "init"u8.CopyTo(record.Proc.Pcomm);
        System.Runtime.InteropServices.MemoryMarshal.Write(bytes, in record);

        var e = ExitSnoop.Parse(bytes);
        Assert.NotNull(e);
        Assert.Equal((100, 101, 1, "worker", "init"), (e.Pid, e.Tid, e.ParentPid, e.Comm, e.ParentComm));
        Assert.Equal((11, "SIGSEGV", true, (int?)null), (e.Signal, e.SignalName, e.CoreDumped, e.ExitCode));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), e.Lifetime);
        Assert.Equal(42UL, e.CgroupId);
        Assert.Null(ExitSnoop.Parse(bytes.AsSpan(0, bytes.Length - 1)));

        record.ExitStatus = 3 << 8;
        System.Runtime.InteropServices.MemoryMarshal.Write(bytes, in record);
        Assert.Equal((3, (int?)null, false), (ExitSnoop.Parse(bytes)!.ExitCode, ExitSnoop.Parse(bytes)!.Signal, ExitSnoop.Parse(bytes)!.CoreDumped));
    }

    /// <summary>Runs the Python oracle in <paramref name="directory"/>; returns its pid and its lines (case, pid, status).</summary>
    private static (int Parent, List<(string Name, int Pid, int Status)> Lines) RunOracle(string directory, params string[] cases)
    {
        var info = new ProcessStartInfo("python3") { UseShellExecute = false, RedirectStandardOutput = true, WorkingDirectory = directory };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Oracle);
        foreach (var c in cases)
        {
            info.ArgumentList.Add(c);
        }
        using var python = Process.Start(info)!;
        var output = python.StandardOutput.ReadToEnd();
        Assert.True(python.WaitForExit(60_000), "the oracle did not finish");
        Assert.Equal(0, python.ExitCode);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).Select(f =>
            (f[0], int.Parse(f[1], CultureInfo.InvariantCulture), f.Length > 2 ? int.Parse(f[2], CultureInfo.InvariantCulture) : 0)).ToList();
        return (python.Id, lines);
    }
}
