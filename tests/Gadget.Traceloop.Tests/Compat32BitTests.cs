using System.ComponentModel;
using System.Diagnostics;
using Gadget.Traceloop.Decoding;
using Xunit.Abstractions;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// A 32-bit (ia32) program's syscalls, made through int 0x80 with the i386 numbers and registers: recorded as 32-bit
/// syscalls with their own numbers and arguments, printed with their i386 names, never decoded as the x86-64 syscalls of
/// the same numbers.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class Compat32BitTests(ITestOutputHelper output)
{
    private const string HeaderDirectory = "/usr/include/x86_64-linux-gnu";
    private const int ExitCode = 7;
    private const string Message = "hello";

    // The syscalls are written by their i386 names: gcc takes their numbers from the kernel's asm/unistd_32.h, and the
    // test expects those names back. On x86-64, i386's getpid (20) is writev and its exit (1) is write.
    private static string Program(int unknownNumber) => $$"""
        #include <asm/unistd_32.h>
        .globl _start
        _start:
          mov $__NR_getpid, %eax
          int $0x80
          mov $__NR_write, %eax
          mov $1, %ebx
          mov $message, %ecx
          mov ${{Message.Length}}, %edx
          int $0x80
          mov ${{unknownNumber}}, %eax
          int $0x80
          mov $__NR_exit, %eax
          mov ${{ExitCode}}, %ebx
          int $0x80
        .data
        message: .ascii "{{Message}}"
        """;

    [SkippableFact]
    public async Task An_ia32_ProgramsSyscallsAreRecordedWithTheirOwnNumbersAndPrintedWithTheirI386Names()
    {
        Skip.IfNot(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64,
            "ia32 syscalls are an x86-64 feature");
        Skip.IfNot(File.Exists(Path.Combine(HeaderDirectory, "asm", "unistd_32.h")), $"no {HeaderDirectory}/asm/unistd_32.h (linux-libc-dev)");
        // A number past every i386 syscall the table knows: the kernel refuses it, and it keeps its syscall32_N name.
        int unknown = SyscallTable.I386.Count + 100;
        var directory = Directory.CreateTempSubdirectory("gadget-ia32-");
        try
        {
            var source = Path.Combine(directory.FullName, "ia32.S");
            await File.WriteAllTextAsync(source, Program(unknown));
            var binary = Gcc.Compile(source, Path.Combine(directory.FullName, "ia32"), "-m32", "-nostdlib", "-static", "-isystem", HeaderDirectory);
            Skip.IfNot(Runs32BitPrograms(binary, out var why), why);

            await using var tracer = TraceloopTracer.Start();
            await using var command = TracedCommand.Start(tracer, binary, [], redirectOutput: true);
            Assert.Equal(ExitCode, await command.WaitForExitAsync());
            var history = command.Dump();
            var formatter = new SyscallFormatter();
            foreach (var record in history)
            {
                output.WriteLine($"{(record.Is32Bit ? "32" : "64")} {formatter.Format(record)}");
            }

            // The execve that started it: a 64-bit syscall of the shell, which returned in 32-bit mode.
            Assert.False(history[0].Is32Bit);
            Assert.Equal("execve", SyscallTable.Current.GetName(history[0]));
            Assert.Equal(0, history[0].ReturnValue);
            Assert.All(history.Skip(1), r => Assert.True(r.Is32Bit, $"{formatter.Format(r)} is not marked 32-bit"));
            var program = history.Skip(1).ToArray();
            Assert.Equal(["getpid", "write", "?", "exit"], program.Select(r => SyscallTable.Current.GetName(r) ?? "?").ToArray());

            var (getpid, write, unknownCall, exit) = (program[0], program[1], program[2], program[3]);
            Assert.Equal($"getpid() = {command.ProcessId}", formatter.Format(getpid));
            Assert.Equal(1UL, write.Arguments[0]);
            Assert.NotEqual(0UL, write.Arguments[1]);
            Assert.Equal($"write(1, 0x{write.Arguments[1]:x}, {Message.Length}) = {Message.Length}", formatter.Format(write));
            Assert.Equal(unknown, unknownCall.Number);
            Assert.StartsWith($"syscall32_{unknown}(", formatter.Format(unknownCall), StringComparison.Ordinal);
            Assert.Equal($"exit({ExitCode}) = ?", formatter.Format(exit));
            Assert.Null(exit.ReturnValue);

            var json = new SyscallJsonFormatter().Format(write);
            Assert.Contains("\"name\":\"write\"", json, StringComparison.Ordinal);
            Assert.Contains("\"is_32bit\":true", json, StringComparison.Ordinal);
            Assert.Contains($"\"name\":\"syscall32_{unknown}\"", new SyscallJsonFormatter().Format(unknownCall), StringComparison.Ordinal);
            Assert.DoesNotContain("is_32bit", new SyscallJsonFormatter().Format(history[0]), StringComparison.Ordinal);
            // The x86-64 syscalls of the same numbers (writev, write, stat) appear nowhere.
            Assert.DoesNotContain(program, r => formatter.Format(r).StartsWith(SyscallTable.X86_64.GetDisplayName(r.Number) + "(", StringComparison.Ordinal));
            Assert.Throws<InvalidOperationException>(() => SeccompProfileAdvisor.Create(history));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Whether the kernel runs 32-bit programs (IA32_EMULATION, and not disabled with ia32_emulation=false).</summary>
    private static bool Runs32BitPrograms(string binary, out string why)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(binary) { RedirectStandardOutput = true })!;
            process.WaitForExit();
            why = $"the 32-bit test program exited with {process.ExitCode}, not {ExitCode}";
            return process.ExitCode == ExitCode;
        }
        catch (Win32Exception e)
        {
            why = $"this kernel does not run 32-bit programs (execve: {e.Message})";
            return false;
        }
    }
}
