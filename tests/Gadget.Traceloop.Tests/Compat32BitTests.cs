using System.ComponentModel;
using System.Diagnostics;
using Gadget.Traceloop.Decoding;
using Xunit.Abstractions;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// A 32-bit (ia32) program's syscalls, made through int 0x80 with the i386 numbers and registers: recorded as 32-bit
/// syscalls with their own numbers and arguments, never decoded as the x86-64 syscalls of the same numbers.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class Compat32BitTests(ITestOutputHelper output)
{
    // i386: getpid is 20, exit is 1 (arch/x86/entry/syscalls/syscall_32.tbl); on x86-64, 20 is writev and 1 is write.
    private const string Program = """
        .globl _start
        _start:
          mov $20, %eax
          int $0x80
          mov $1, %eax
          mov $7, %ebx
          int $0x80
        """;

    [SkippableFact]
    public async Task An_ia32_ProgramsSyscallsAreRecordedWithTheirOwnNumbersAndArguments()
    {
        Skip.IfNot(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64,
            "ia32 syscalls are an x86-64 feature");
        var directory = Directory.CreateTempSubdirectory("gadget-ia32-");
        try
        {
            var source = Path.Combine(directory.FullName, "ia32.S");
            await File.WriteAllTextAsync(source, Program);
            var binary = Gcc.Compile(source, Path.Combine(directory.FullName, "ia32"), "-m32", "-nostdlib", "-static");
            Skip.IfNot(Runs32BitPrograms(binary, out var why), why);

            await using var tracer = TraceloopTracer.Start();
            await using var command = TracedCommand.Start(tracer, binary, [], redirectOutput: true);
            Assert.Equal(7, await command.WaitForExitAsync());
            var history = command.Dump();
            var formatter = new SyscallFormatter();
            foreach (var record in history)
            {
                output.WriteLine($"{(record.Is32Bit ? "32" : "64")} {formatter.Format(record)}");
            }

            // The execve that started it: a 64-bit syscall of the shell, which returned in 32-bit mode.
            Assert.False(history[0].Is32Bit);
            Assert.Equal("execve", SyscallTable.Current.GetName(history[0].Number));
            Assert.Equal(0, history[0].ReturnValue);
            var getpid = Assert.Single(history, r => r.Is32Bit && r.Number == 20);
            Assert.Equal((long)command.ProcessId, getpid.ReturnValue);
            var exit = Assert.Single(history, r => r.Is32Bit && r.Number == 1);
            Assert.Equal(7UL, exit.Arguments[0]);
            Assert.Null(exit.ReturnValue);
            Assert.All(history.Skip(1), r => Assert.True(r.Is32Bit, $"{formatter.Format(r)} is not marked 32-bit"));
            Assert.StartsWith("syscall32_20(", formatter.Format(getpid), StringComparison.Ordinal);
            var json = new SyscallJsonFormatter().Format(getpid);
            Assert.Contains("\"name\":\"syscall32_20\"", json, StringComparison.Ordinal);
            Assert.Contains("\"is_32bit\":true", json, StringComparison.Ordinal);
            Assert.DoesNotContain("is_32bit", new SyscallJsonFormatter().Format(history[0]), StringComparison.Ordinal);
            Assert.DoesNotContain(history, r => formatter.Format(r).StartsWith("writev(", StringComparison.Ordinal));
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
            why = $"the 32-bit test program exited with {process.ExitCode}, not 7";
            return process.ExitCode == 7;
        }
        catch (Win32Exception e)
        {
            why = $"this kernel does not run 32-bit programs (execve: {e.Message})";
            return false;
        }
    }
}
