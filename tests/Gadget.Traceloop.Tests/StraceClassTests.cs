using System.Text.RegularExpressions;
using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// <see cref="SyscallFilter"/>'s classes (<c>%file</c>, <c>%desc</c>, ...) against strace's own: a Python child makes
/// nearly every x86-64 syscall once, with arguments that make it fail harmlessly (a descriptor of -1, an unreadable
/// pointer), under <c>strace -e trace=%CLASS</c>; a syscall strace prints is in its class, one it does not print is not.
/// </summary>
public sealed partial class StraceClassTests
{
    /// <summary>Syscalls not made: they end, block, fork or change the machine or the process whatever their arguments.</summary>
    private static readonly HashSet<string> NotMade =
    [
        "exit", "exit_group", "fork", "vfork", "clone", "rt_sigreturn", "pause", "vhangup", "reboot", "setsid", "sethostname",
        "setdomainname", "set_tid_address", "sync", "uprobe", "uretprobe",
        "kexec_load", "kexec_file_load", // with no segments (0 for nr_segments), kexec_load unloads a staged kernel
    ];

    /// <summary>Arguments other than (-1, 0, 0, 0, 0, 0) where those would succeed and do something, or block.</summary>
    private static readonly Dictionary<string, string> Arguments = new(StringComparer.Ordinal)
    {
        ["kill"] = "0x7ffffff0, 0",
        ["tkill"] = "0x7ffffff0, 0",
        ["tgkill"] = "0x7ffffff0, 0x7ffffff0, 0",
        ["ppoll"] = "0, -1",
        ["alarm"] = "0",
        ["umask"] = "0o22",
        ["setreuid"] = "-1, -1",
        ["setregid"] = "-1, -1",
        ["setresuid"] = "-1, -1, -1",
        ["setresgid"] = "-1, -1, -1",
    };

    private static readonly string[] Classes =
        ["file", "desc", "process", "signal", "network", "ipc", "memory", "creds", "clock", "pure", "stat", "lstat", "fstat", "%stat", "statfs", "fstatfs", "%statfs"];

    [SkippableFact]
    public void EveryClassHoldsTheSyscallsStraceTracesForIt()
    {
        Skip.IfNot(SyscallTable.CurrentArchitecture == SyscallArchitecture.X86_64, "the syscalls are made by x86-64 number");
        var table = SyscallTable.X86_64;
        var made = table.Syscalls.Where(s => !NotMade.Contains(s.Value) && !s.Value.StartsWith("syscall_", StringComparison.Ordinal)).ToList();
        var directory = Directory.CreateTempSubdirectory("traceloop-classes-");
        try
        {
            var script = Path.Combine(directory.FullName, "calls.py");
            File.WriteAllText(script, string.Join('\n',
            [
                "import ctypes",
                "libc = ctypes.CDLL(None, use_errno=True)",
                "libc.syscall.restype = ctypes.c_long",
                .. made.Select(s => $"libc.syscall({s.Key}, *[ctypes.c_long(a) for a in ({(Arguments.TryGetValue(s.Value, out var a) ? a : "-1, 0, 0, 0, 0, 0")},)])"),
            ]) + "\n");
            var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
            // The names strace 6.1 knows: a newer syscall is printed as syscall_0x1c3 and is in no class of it.
            var known = Traced(directory, "all", python, script);
            var mismatches = new List<string>();
            foreach (var name in Classes)
            {
                var strace = Traced(directory, "%" + name, python, script);
                var ours = SyscallFilter.Parse("%" + name, table);
                // Every syscall strace printed for the class (ours or Python's own) is in ours; every one made that it did
                // not print is not.
                mismatches.AddRange(strace.Where(n => !n.StartsWith("syscall_", StringComparison.Ordinal) && !ours.Includes(n)).Select(n => $"%{name}: strace traces {n}, ours does not"));
                mismatches.AddRange(made.Select(s => s.Value).Where(n => known.Contains(n) && !strace.Contains(n) && ours.Includes(n))
                    .Select(n => $"%{name}: ours holds {n}, strace does not trace it"));
            }
            Assert.True(known.Count > 250, $"strace printed only {known.Count} syscall names");
            Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The syscall names <c>strace -e trace=SET</c> printed for the script.</summary>
    private static HashSet<string> Traced(DirectoryInfo directory, string set, string python, string script)
    {
        var trace = Path.Combine(directory.FullName, "trace.txt");
        DecodingStraceOracle.RunProcess("strace", $"-qq -e trace={set} -o {trace} {python} {script}");
        return [.. File.ReadLines(trace).Select(l => CallName().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value)];
    }

    [GeneratedRegex(@"^([a-z_][a-z0-9_]*)\(")]
    private static partial Regex CallName();
}
