using System.Diagnostics;
using System.Globalization;
using System.Text;
using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// The generated i386 table against an independent source on this machine: strace's own compiled-in i386 table, which it
/// uses for a 32-bit program's syscalls.
/// </summary>
public sealed class I386TableStraceTests
{
    [SkippableFact]
    public void EveryI386NumberHasTheNameStraceGivesIt()
    {
        Skip.IfNot(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64,
            "ia32 syscalls are an x86-64 feature");
        var table = SyscallTable.I386;
        // Only numbers our table names are made, each with zero arguments and answered ENOSYS by strace without running:
        // strace only fakes the syscalls it knows, others would really run. Those newer than strace 6.1 (added to the
        // table from the kernel's own table) are left out, and so are exit and exit_group, which end the program.
        var numbers = table.Syscalls.Where(s => s.Value is not "exit" and not "exit_group" && !table.NewerThanHeaders.Contains(s.Key)).Select(s => s.Key).ToArray();
        Assert.True(numbers.Length > 400, $"only {numbers.Length} numbers");
        var directory = Directory.CreateTempSubdirectory("traceloop-i386-numbers-");
        try
        {
            var source = Path.Combine(directory.FullName, "numbers.S");
            File.WriteAllText(source, Program(numbers, table.GetNumber("exit_group")));
            var binary = Gcc.Compile(source, Path.Combine(directory.FullName, "numbers"), "-m32", "-nostdlib", "-static");
            var output = Path.Combine(directory.FullName, "strace.txt");
            var info = new ProcessStartInfo("strace", ["-n", "-o", output, "-e", "inject=!exit,exit_group:error=ENOSYS", binary])
            {
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using (var strace = Process.Start(info)!)
            {
                string errors = strace.StandardError.ReadToEnd();
                Assert.True(strace.WaitForExit(60_000), "strace did not finish");
                Skip.If(File.ReadLines(output).FirstOrDefault()?.Contains("= -1 ", StringComparison.Ordinal) == true,
                    $"this kernel does not run 32-bit programs: {File.ReadLines(output).First()}");
                Assert.True(strace.ExitCode == 0, $"strace exited with {strace.ExitCode}: {errors}");
            }

            // The first line is the 64-bit execve, under its x86-64 number.
            var wrong = StraceNumberedNames.Mismatches(table, numbers, StraceNumberedNames.Read(File.ReadLines(output).Skip(1)));
            Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>An ia32 program making each syscall of <paramref name="numbers"/> with zero arguments, then exit_group(0).</summary>
    private static string Program(IEnumerable<int> numbers, int exitGroup)
    {
        var source = new StringBuilder(".globl _start\n_start:\n");
        foreach (int number in numbers.Append(exitGroup))
        {
            source.Append(CultureInfo.InvariantCulture, $"  mov ${number}, %eax\n");
            foreach (var register in new[] { "ebx", "ecx", "edx", "esi", "edi", "ebp" })
            {
                source.Append(CultureInfo.InvariantCulture, $"  xor %{register}, %{register}\n");
            }
            source.Append("  int $0x80\n");
        }
        return source.ToString();
    }

}
