using System.Diagnostics;
using Gadget.Bpf;
using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop.Tests;

/// <summary>The generated tables against independent sources on this machine: strace's own compiled-in table, and this kernel's tracefs.</summary>
public class DecodingSyscallTableTests
{
    // Syscalls the child needs to keep running while everything else is answered with ENOSYS by strace (called with zero arguments: harmless).
    private static readonly string[] NotInjected = ["read", "write", "mmap", "munmap", "brk", "mremap", "futex", "madvise", "exit_group", "rt_sigreturn"];

    [Fact]
    public void EveryX86_64NumberHasTheNameStraceGivesIt()
    {
        Assert.Equal(SyscallArchitecture.X86_64, SyscallTable.CurrentArchitecture);
        var table = SyscallTable.X86_64;
        // Only numbers our table names are called: strace only fakes the syscalls it knows, others would really run.
        // Syscalls newer than strace 6.1 (added to the table from the kernel's own table) are checked against tracefs instead.
        var numbers = table.Syscalls.Where(s => s.Value is not "exit_group" and not "rt_sigreturn" && !table.NewerThanHeaders.Contains(s.Key)).Select(s => s.Key).ToArray();
        var wrong = StraceNumberedNames.Mismatches(table, numbers, TraceNumbers(numbers));
        Assert.True(numbers.Length > 300, $"only {numbers.Length} numbers");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void EveryTracefsSyscallIsInTheTableUnlessNewerThanTheHeadersAndStrace()
    {
        string events = Path.Combine(BpfEnvironment.EnsureTracefs(), "events", "syscalls");
        var aliases = new Dictionary<string, string> { ["newstat"] = "stat", ["newlstat"] = "lstat", ["newfstat"] = "fstat", ["newuname"] = "uname", ["sendfile64"] = "sendfile", ["umount"] = "umount2" };
        var names = Directory.GetDirectories(events, "sys_enter_*").Select(d => Path.GetFileName(d)["sys_enter_".Length..]).Select(n => aliases.GetValueOrDefault(n, n)).ToArray();
        Assert.True(names.Length > 300);
        var missing = names.Where(n => !SyscallTable.X86_64.TryGetNumber(n, out _)).ToArray();
        // A syscall the table lacks must also be unknown to strace 6.1 (both predate it); strace refuses to trace names it does not know.
        var knownToStrace = missing.Where(n => StraceAccepts([n])).ToArray();
        Assert.True(knownToStrace.Length == 0, "in tracefs and strace but not in the table: " + string.Join(", ", knownToStrace));
        // And everything the table names, strace knows, but for the syscalls newer than strace 6.1, which this kernel's
        // tracefs must list instead (uprobe and uretprobe have no tracepoints; map_shadow_stack exists only with
        // CONFIG_X86_USER_SHADOW_STACK, which this kernel lacks).
        var table = SyscallTable.X86_64;
        Assert.True(StraceAccepts(table.Syscalls.Where(s => !table.NewerThanHeaders.Contains(s.Key)).Select(s => s.Value)), "strace rejects a name of the table");
        var newer = table.NewerThanHeaders.Select(n => table.GetName(n)!).Where(n => n is not "uprobe" and not "uretprobe" and not "map_shadow_stack").ToArray();
        Assert.NotEmpty(newer);
        Assert.All(newer, n => Assert.Contains(n, names));
    }

    [Fact]
    public void NamesAndNumbersRoundTrip()
    {
        foreach (var table in new[] { SyscallTable.X86_64, SyscallTable.Arm64 })
        {
            foreach (var (number, name) in table.Syscalls)
            {
                Assert.True(table.TryGetNumber(name, out int back));
                Assert.Equal(number, back);
                Assert.Equal(name, table.GetDisplayName(number));
            }
            Assert.Null(table.GetName(-1));
            Assert.Equal("syscall_0x3e8", table.GetDisplayName(1000));
            Assert.False(table.TryGetNumber("no_such_syscall", out _));
        }
    }

    [Fact]
    public void Arm64TableIsTheGenericOneNotX86()
    {
        // The generic table has no legacy path syscalls (open, stat, fork): only their *at successors.
        var arm = SyscallTable.Arm64;
        foreach (var legacy in new[] { "open", "stat", "lstat", "fork", "access", "pipe", "dup2", "unlink", "mkdir", "rename", "poll", "select" })
        {
            Assert.False(arm.TryGetNumber(legacy, out _), legacy);
            Assert.True(SyscallTable.X86_64.TryGetNumber(legacy, out _), legacy);
        }
        // Every arm64 syscall except the few arm64-only ones also exists on x86-64, under the same name.
        var armOnly = arm.Syscalls.Select(s => s.Value).Where(n => !SyscallTable.X86_64.TryGetNumber(n, out _)).ToArray();
        Assert.True(armOnly.Length < 10, string.Join(", ", armOnly));
        Assert.NotEqual(SyscallTable.X86_64.GetNumber("openat"), arm.GetNumber("openat"));
    }

    private static bool StraceAccepts(IEnumerable<string> names)
    {
        var info = new ProcessStartInfo("strace", ["-qq", "-o", "/dev/null", "-e", "trace=" + string.Join(',', names), "true"]) { RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0;
    }

    private static Dictionary<int, string> TraceNumbers(int[] numbers)
    {
        var directory = Directory.CreateTempSubdirectory("traceloop-numbers-");
        try
        {
            string script = Path.Combine(directory.FullName, "numbers.py");
            File.WriteAllText(script, $$"""
                import ctypes, os, sys
                libc = ctypes.CDLL(None, use_errno=True)
                print(os.getpid(), flush=True)
                sys.stdin.readline()
                for n in [{{string.Join(", ", numbers)}}]:
                    libc.syscall(n, 0, 0, 0, 0, 0, 0)
                """);
            string output = Path.Combine(directory.FullName, "strace.txt");
            using var child = Process.Start(new ProcessStartInfo("python3", [script]) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false })!;
            try
            {
                int pid = int.Parse(child.StandardOutput.ReadLine()!, System.Globalization.CultureInfo.InvariantCulture);
                var straceInfo = new ProcessStartInfo("strace", ["-n", "-o", output, "-e", $"inject=!{string.Join(',', NotInjected)}:error=ENOSYS", "-p", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])
                {
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                using var strace = Process.Start(straceInfo)!;
                // strace says "Process N attached" once it traces the child; only then may the child go on.
                string? line;
                while ((line = strace.StandardError.ReadLine()) is not null && !line.Contains("attached", StringComparison.Ordinal))
                {
                }
                child.StandardInput.WriteLine("go");
                child.StandardInput.Close();
                Assert.True(child.WaitForExit(60_000), "the child did not finish");
                Assert.True(strace.WaitForExit(60_000), "strace did not finish");
            }
            finally
            {
                if (!child.HasExited)
                {
                    child.Kill();
                }
            }
            return StraceNumberedNames.Read(File.ReadLines(output));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

}
