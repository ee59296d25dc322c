using Gadget.Containers.Tests;
using Gadget.Containers;

namespace Gadget.Gadgets.Tests;

[Collection("gadgets")]
public sealed class ExecSnoopTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task LongArgvIsTruncatedAndMarked()
    {
        await using var snoop = ExecSnoop.Start(new GadgetOptions());
        await using var events = new EventCollector<ExecEvent>(snoop.ReadAsync());
        var marker = "exec-" + Guid.NewGuid().ToString("N");
        var longArgument = marker + new string('x', 300);
        string[] arguments = [longArgument, .. Enumerable.Range(1, 29).Select(i => $"{marker}-{i}")];

        var (pid, exitCode) = Processes.Run("/bin/echo", arguments);

        Assert.Equal(0, exitCode);
        var exec = await events.WaitForAsync(e => e.Pid == pid && e.ReturnValue == 0 && e.Comm == "echo", Timeout);
        Assert.NotNull(exec);
        Assert.Equal(Environment.ProcessId, exec.ParentPid);
        Assert.True(exec.ArgumentsTruncated);
        Assert.Equal(ExecSnoop.MaxArguments, exec.Arguments.Count);
        Assert.Equal("/bin/echo", exec.Arguments[0]);
        Assert.Equal(longArgument[..ExecSnoop.MaxArgumentLength], exec.Arguments[1]);
        Assert.Equal(arguments[1..(ExecSnoop.MaxArguments - 1)], exec.Arguments.Skip(2));
        Assert.EndsWith(" ...", exec.CommandLine, StringComparison.Ordinal);
        Assert.Null(exec.Container);
        Assert.InRange(exec.Timestamp, DateTimeOffset.UtcNow.AddSeconds(-30), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(0UL, snoop.LostEvents);
    }

    [Fact]
    public async Task ShortArgvIsComplete_FailedExecReportsErrno()
    {
        await using var snoop = ExecSnoop.Start(new GadgetOptions());
        await using var events = new EventCollector<ExecEvent>(snoop.ReadAsync());
        var missing = "/nonexistent-" + Guid.NewGuid().ToString("N");

        var (pid, _) = Processes.Run("/bin/sh", "-c", $"{missing} one two; exit 0");

        var shell = await events.WaitForAsync(e => e.Pid == pid && e.Comm == "sh", Timeout);
        Assert.NotNull(shell);
        Assert.False(shell.ArgumentsTruncated);
        Assert.Equal(["/bin/sh", "-c", $"{missing} one two; exit 0"], shell.Arguments);
        var failed = await events.WaitForAsync(e => e.Arguments.Count > 0 && e.Arguments[0] == missing, Timeout);
        Assert.NotNull(failed);
        Assert.Equal(-2, failed.ReturnValue); // ENOENT
        Assert.Equal(["one", "two"], failed.Arguments.Skip(1));
        Assert.True(failed.Pid == pid || failed.ParentPid == pid, $"failed exec by {failed.Pid} (parent {failed.ParentPid}), shell {pid}");
    }

    [Fact]
    public async Task ArgvNotYetMappedInAForkedChildIsReadAfterTheExec()
    {
        // A forked child exec'ing with string literals: the literals' pages are file-backed and not yet in the child's
        // page tables, so sys_enter_execve cannot read them without a page fault; the program reads argv again at
        // sched_process_exec from the new program's stack.
        var directory = Directory.CreateTempSubdirectory("gadget-execsnoop-");
        try
        {
            var source = Path.Combine(directory.FullName, "forker.c");
            var binary = Path.Combine(directory.FullName, "forker");
            await File.WriteAllTextAsync(source, """
                #include <sys/wait.h>
                #include <unistd.h>
                int main(void) {
                    for (int i = 0; i < 3; i++) {
                        pid_t pid = fork();
                        if (pid == 0) { execl("/bin/true", "/bin/true", "literal-marker-argument", (char *)0); _exit(127); }
                        int status; waitpid(pid, &status, 0);
                    }
                    return 0;
                }
                """);
            Assert.Equal(0, Processes.Run("/usr/bin/gcc", "-O2", "-o", binary, source).ExitCode);
            await using var snoop = ExecSnoop.Start(new GadgetOptions());
            await using var events = new EventCollector<ExecEvent>(snoop.ReadAsync());

            var (pid, _) = Processes.Run(binary);

            var children = await events.WaitForCountAsync(e => e.ParentPid == pid && e.Comm == "true", 3, Timeout);
            Assert.Equal(3, children.Count);
            Assert.All(children, e =>
            {
                Assert.Equal(["/bin/true", "literal-marker-argument"], e.Arguments);
                Assert.False(e.ArgumentsTruncated);
                Assert.Equal(0, e.ReturnValue);
            });
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ExecWithEmptyArgvIsReported()
    {
        await using var snoop = ExecSnoop.Start(new GadgetOptions());
        await using var events = new EventCollector<ExecEvent>(snoop.ReadAsync());

        // execve(path, NULL, NULL) through python's ctypes (os.execv refuses an empty argv).
        var (pid, _) = Processes.Run("/usr/bin/python3", "-c", "import ctypes; libc = ctypes.CDLL(None); libc.execve(b'/bin/true', None, None)");

        var exec = await events.WaitForAsync(e => e.Pid == pid && e.Comm == "true", Timeout);
        Assert.NotNull(exec);
        Assert.Equal(0, exec.ReturnValue);
        // Since Linux 5.18 the kernel gives a program exec'd with an empty argv a single empty argv[0] (older kernels
        // leave argc 0): what the new program's stack holds is what is reported.
        Assert.Equal(KernelGivesEmptyArgvAnEmptyArgv0() ? [""] : [], exec.Arguments);
        Assert.False(exec.ArgumentsTruncated);
    }

    /// <summary>
    /// How this kernel execs a program with an empty argv, learned without BPF: GNU cat aborts (SIGABRT, exit 134) when
    /// its argv[0] is NULL, and with an argv[0] of "" reads its stdin (/dev/null) and exits 0.
    /// </summary>
    private static bool KernelGivesEmptyArgvAnEmptyArgv0()
    {
        var (_, exitCode) = Processes.Run("/usr/bin/python3", "-c",
            "import ctypes, os; os.dup2(os.open('/dev/null', os.O_RDONLY), 0); ctypes.CDLL(None).execve(b'/bin/cat', None, None)");
        Assert.True(exitCode is 0 or 134, $"cat exec'd with an empty argv exited {exitCode}");
        return exitCode == 0;
    }

    [Fact]
    public async Task OnlySelectedContainersEventsLeaveTheKernel()
    {
        await using var containers = new ContainerCollection();
        var selectedId = RuncContainer.NewId("exec-sel");
        var otherId = RuncContainer.NewId("exec-other");
        await using var snoop = ExecSnoop.Start(new GadgetOptions { Containers = containers, Selector = new ContainerSelector { IdPrefix = selectedId } });
        await using var events = new EventCollector<ExecEvent>(snoop.ReadAsync());

        using var selected = RuncContainer.Create(selectedId, ["sh", "-c", "sleep 1; /bin/ls /marker-selected; /bin/ls /marker-selected; exit 0"]);
        using var other = RuncContainer.Create(otherId, ["sh", "-c", "sleep 1; /bin/ls /marker-other; /bin/ls /marker-other; exit 0"]);
        Processes.Run("/bin/ls", "/marker-host");

        var fromSelected = await events.WaitForCountAsync(e => e.Arguments.Contains("/marker-selected"), 2, Timeout);
        Assert.True(selected.WaitStopped(Timeout));
        Assert.True(other.WaitStopped(Timeout));
        await Task.Delay(300);

        Assert.Equal(2, fromSelected.Count);
        Assert.All(fromSelected, e =>
        {
            Assert.Equal(selectedId, e.Container?.Id);
            Assert.Equal(e.Container!.CgroupId, e.CgroupId);
            Assert.Equal("ls", e.Comm);
        });
        var all = events.Snapshot();
        Assert.DoesNotContain(all, e => e.Arguments.Contains("/marker-other"));
        Assert.DoesNotContain(all, e => e.Arguments.Contains("/marker-host"));
        Assert.All(all, e => Assert.Equal(selectedId, e.Container?.Id));
    }
}
