using System.Diagnostics;

namespace Gadget.Benchmarks;

/// <summary>
/// A child process (C, compiled with gcc into a temp directory) that makes exactly one syscall per period, on an absolute
/// schedule (<c>clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)</c>), so a BPF program on <c>raw_syscalls/sys_enter</c>
/// filtered to its pid emits events at a steady, low rate. It dies with its parent (<c>PR_SET_PDEATHSIG</c>). Its CPU
/// time (including the BPF program, which runs in its syscalls) is not the benchmark process's.
/// </summary>
internal sealed class SyscallPacer : IDisposable
{
    private const string Source = """
        #include <signal.h>
        #include <stdlib.h>
        #include <sys/prctl.h>
        #include <time.h>
        int main(int argc, char **argv) {
            long step = 1000000000L / atol(argv[1]);
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            struct timespec t;
            clock_gettime(CLOCK_MONOTONIC, &t);
            for (;;) {
                t.tv_nsec += step;
                while (t.tv_nsec >= 1000000000L) { t.tv_nsec -= 1000000000L; t.tv_sec++; }
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, 0);
            }
        }
        """;

    private readonly DirectoryInfo _directory;
    private readonly Process _process;

    /// <summary>Compiles and starts the pacer: <paramref name="eventsPerSecond"/> syscalls per second.</summary>
    public SyscallPacer(int eventsPerSecond)
    {
        _directory = Directory.CreateTempSubdirectory("gadget-pacer-");
        var program = Path.Combine(_directory.FullName, "pacer");
        File.WriteAllText(program + ".c", Source);
        using (var gcc = Process.Start("gcc", $"-O2 -o {program} {program}.c"))
        {
            gcc.WaitForExit();
            if (gcc.ExitCode != 0)
            {
                throw new InvalidOperationException($"gcc failed ({gcc.ExitCode}) compiling {program}.c");
            }
        }
        _process = Process.Start(new ProcessStartInfo(program, eventsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            ?? throw new InvalidOperationException("could not start the pacer");
    }

    /// <summary>The pacer's pid (its tgid), for the BPF program's filter.</summary>
    public int ProcessId => _process.Id;

    public void Dispose()
    {
        try
        {
            _process.Kill();
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        _process.Dispose();
        _directory.Delete(recursive: true);
    }
}
