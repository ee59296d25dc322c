using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gadget.Traceloop.Decoding;
using Xunit.Abstractions;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// Paths in user pages that are not mapped yet when the syscall starts: sys_enter's BPF read cannot fault them in (the
/// capture is unreadable there), the kernel does during the syscall, and the recorder reads them again at sys_exit.
/// </summary>
/// <remarks>
/// A C program (built with gcc here) maps files it never touches (MAP_PRIVATE, PROT_READ: no page table entry until a
/// fault) and passes pointers into them to openat and execve. It reads /proc/self/pagemap (which does not fault anything
/// in) before and after each call: "not present before" is the condition under which a read at sys_enter cannot succeed,
/// "present after" shows the kernel faulted the page in. One separate file and mapping per string, so that the kernel's
/// fault-around for one does not map the next.
/// </remarks>
[Collection(KernelCollection.Name)]
public sealed class NonResidentArgumentTests(ITestOutputHelper output) : IDisposable
{
    private const string Source = """
        #define _GNU_SOURCE
        #include <errno.h>
        #include <fcntl.h>
        #include <stdint.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <sys/mman.h>
        #include <sys/syscall.h>
        #include <unistd.h>

        /* Whether the page of addr is mapped in this process's page table (pagemap bit 63); reading pagemap faults nothing in. */
        static int present(const void *addr)
        {
            int fd = open("/proc/self/pagemap", O_RDONLY);
            uint64_t entry = 0;
            if (fd < 0 || pread(fd, &entry, sizeof(entry), (off_t)((uintptr_t)addr / 4096) * 8) != sizeof(entry))
                exit(2);
            close(fd);
            return (int)(entry >> 63);
        }

        /* A mapping of file path, never touched by this process. */
        static const char *map(const char *path)
        {
            int fd = open(path, O_RDONLY);
            if (fd < 0)
                exit(3);
            void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
            if (p == MAP_FAILED)
                exit(4);
            close(fd);
            return p;
        }

        static long result(long r) { return r < 0 ? -errno : r; }

        /* argv: OPEN_FILE MISSING_FILE EXEC_FILE, each holding a NUL-terminated path. */
        int main(int argc, char **argv)
        {
            if (argc != 4)
                return 1;
            const char *open_path = map(argv[1]);
            const char *missing_path = map(argv[2]);
            const char *exec_path = map(argv[3]);

            int before = present(open_path);
            long r = result(syscall(SYS_openat, AT_FDCWD, open_path, O_RDONLY));
            printf("openat %lx %d %d %ld\n", (unsigned long)open_path, before, present(open_path), r);

            r = result(syscall(SYS_openat, AT_FDCWD, (const char *)1, O_RDONLY));
            printf("bad %lx %ld\n", 1UL, r);

            char name[] = "retry-argv";
            char *args[] = { name, NULL };
            before = present(missing_path);
            r = result(syscall(SYS_execve, missing_path, args, NULL));
            printf("execve-missing %lx %d %d %ld\n", (unsigned long)missing_path, before, present(missing_path), r);

            before = present(exec_path);
            printf("execve %lx %d\n", (unsigned long)exec_path, before);
            fflush(stdout);
            syscall(SYS_execve, exec_path, args, NULL);
            return 5;
        }
        """;

    private const int OpenatNumber = 257;
    private const int ExecveNumber = 59;

    private readonly string _directory = Directory.CreateTempSubdirectory("traceloop-nonresident-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task PathsNotFaultedInAtEntryAreReadAgainAtExitAndBadPointersStayPointers()
    {
        var binary = Compile();
        // The path openat opens (the file holding it), one that does not exist, and a program that exists.
        var openFile = Path.Combine(_directory, "open-me");
        var missingFile = Path.Combine(_directory, "missing-path");
        var execFile = Path.Combine(_directory, "exec-path");
        var missingPath = Path.Combine(_directory, "does-not-exist");
        WritePath(openFile, openFile);
        WritePath(missingFile, missingPath);
        WritePath(execFile, "/bin/true");

        await using var tracer = TraceloopTracer.Start();
        IReadOnlyList<SyscallRecord> history;
        string stdout;
        await using (var command = TracedCommand.Start(tracer, binary, [openFile, missingFile, execFile], redirectOutput: true))
        {
            var outputTask = command.Process.StandardOutput.ReadToEndAsync();
            var errorTask = command.Process.StandardError.ReadToEndAsync();
            Assert.Equal(0, await command.WaitForExitAsync()); // /bin/true's status: the last execve succeeded
            stdout = await outputTask;
            output.WriteLine(stdout + await errorTask);
            history = command.Dump();
        }
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToDictionary(f => f[0]);
        var formatter = new SyscallFormatter();
        var json = new SyscallJsonFormatter(formatter);
        foreach (var r in history.Where(r => r.Number is OpenatNumber or ExecveNumber))
        {
            output.WriteLine(formatter.Format(r));
        }

        // openat on a page that was not mapped at entry (the precondition), mapped by the kernel during the call.
        var (openAddress, openFd) = (ulong.Parse(lines["openat"][1], NumberStyles.HexNumber), long.Parse(lines["openat"][4]));
        Assert.Equal(["0", "1"], lines["openat"][2..4]);
        Assert.True(openFd >= 0, $"openat failed: {openFd}");
        var open = Assert.Single(history, r => r.Number == OpenatNumber && r.Arguments[1] == openAddress);
        Assert.Equal($"openat(AT_FDCWD, \"{openFile}\", O_RDONLY) = {openFd}", formatter.Format(open));
        Assert.Equal(openFile, JsonDocument.Parse(json.Format(open)).RootElement.GetProperty("args")[1].GetString()?.Trim('"'));
        var openCapture = Assert.Single(open.Captured, c => c.Index == 1);
        Assert.Equal(CaptureStatus.Complete, openCapture.Status);

        // A bad pointer: unreadable at entry and at exit, printed as the address, with nothing invented.
        Assert.Equal("-14", lines["bad"][2]);
        var bad = Assert.Single(history, r => r.Number == OpenatNumber && r.Arguments[1] == 1);
        Assert.Equal("openat(AT_FDCWD, 0x1, O_RDONLY) = -1 EFAULT (Bad address)", formatter.Format(bad));
        var badCapture = Assert.Single(bad.Captured, c => c.Index == 1);
        Assert.Equal(CaptureStatus.Unreadable, badCapture.Status);
        Assert.True(badCapture.Data.IsEmpty);

        // A failed execve keeps the memory image: its path is read again at exit (getname faulted it in).
        var missingAddress = ulong.Parse(lines["execve-missing"][1], NumberStyles.HexNumber);
        Assert.Equal(["0", "1", "-2"], lines["execve-missing"][2..5]);
        var missing = Assert.Single(history, r => r.Number == ExecveNumber && r.Arguments[0] == missingAddress);
        Assert.StartsWith($"execve(\"{missingPath}\", [\"retry-argv\"], NULL) = -1 ENOENT", formatter.Format(missing));
        Assert.Single(missing.Captured, c => c.Index == 0);

        // A successful execve replaced the memory image: the old pointer is not read again (it would read the new program's
        // memory, or nothing), so the path stays the address it was.
        var execAddress = ulong.Parse(lines["execve"][1], NumberStyles.HexNumber);
        Assert.Equal("0", lines["execve"][2]);
        var exec = Assert.Single(history, r => r.Number == ExecveNumber && r.Arguments[0] == execAddress);
        Assert.Equal(0L, exec.ReturnValue);
        Assert.StartsWith($"execve(0x{execAddress:x}, [\"retry-argv\"], NULL) = 0", formatter.Format(exec));
        Assert.Equal(CaptureStatus.Unreadable, Assert.Single(exec.Captured, c => c.Index == 0).Status);
    }

    private string Compile()
    {
        var source = Path.Combine(_directory, "nonresident.c");
        File.WriteAllText(source, Source);
        return Gcc.Compile(source, Path.Combine(_directory, "nonresident"), "-O2", "-Wall", "-Werror");
    }

    private static void WritePath(string file, string path)
    {
        // The path, its NUL, and the rest of the page.
        var bytes = new byte[4096];
        Encoding.UTF8.GetBytes(path).CopyTo(bytes, 0);
        File.WriteAllBytes(file, bytes);
    }
}
