using System.Globalization;
using Gadget.Traceloop.Decoding;
using Xunit.Abstractions;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// A syscall that returns on another CPU than the one it entered on: its enter stays open in the first CPU's scratch
/// buffer (until another recorded syscall there needs the buffer), and a later syscall of the same thread that comes back
/// to that CPU must not complete the stale record. execve moves a task at every exec (sched_exec), a blocking call wakes
/// on any CPU: a dump showed `execve("/usr/bin/sh", ...)` with the next execve's exit time and the next one as `= ?`.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class MigratedSyscallTests(ITestOutputHelper output) : IDisposable
{
    // Pins itself to CPU A, then asks for CPU B (the kernel moves it there before the call returns: entered on A, returns on
    // B), then for A again (entered on B, returns on A, where the first call's enter is still open), and prints the CPU
    // each call returned on.
    private const string Source = """
        #define _GNU_SOURCE
        #include <sched.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <unistd.h>

        static int pin(int cpu)
        {
        	cpu_set_t set;
        	CPU_ZERO(&set);
        	CPU_SET(cpu, &set);
        	return sched_setaffinity(0, sizeof(set), &set);
        }

        int main(int argc, char **argv)
        {
        	int a = atoi(argv[1]), b = atoi(argv[2]);
        	if (pin(a) != 0)
        		return 2;
        	getppid(); /* a whole syscall on A: nothing of this thread is open anywhere now */
        	int first = pin(b);
        	int on_b = sched_getcpu();
        	int second = pin(a);
        	int on_a = sched_getcpu();
        	printf("%d %d %d %d\n", first, on_b, second, on_a);
        	return 0;
        }
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("traceloop-migrated-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [SkippableFact]
    public async Task ASyscallReturningOnAnotherCpuDoesNotLendItsOpenRecordToTheThreadsNextCallThere()
    {
        var cpus = OnlineCpus();
        Skip.If(cpus.Count < 2, $"one CPU online ({string.Join(",", cpus)}): no task can move to another one");
        var (a, b) = (cpus[0], cpus[1]);
        var source = Path.Combine(_directory, "migrate.c");
        File.WriteAllText(source, Source);
        var binary = Gcc.Compile(source, Path.Combine(_directory, "migrate"), "-O2", "-Wall", "-Werror");
        int setAffinity = SyscallTable.Current.GetNumber("sched_setaffinity");
        var formatter = new SyscallFormatter(new SyscallFormatterOptions { IncludeTimestamp = true });

        await using var tracer = TraceloopTracer.Start();
        for (var round = 0; round < 5; round++)
        {
            IReadOnlyList<SyscallRecord> history;
            string stdout;
            await using (var command = TracedCommand.Start(tracer, binary,
                [a.ToString(CultureInfo.InvariantCulture), b.ToString(CultureInfo.InvariantCulture)], redirectOutput: true))
            {
                var outputTask = command.Process.StandardOutput.ReadToEndAsync();
                Assert.Equal(0, await command.WaitForExitAsync());
                stdout = await outputTask;
                history = command.Dump();
            }
            // The program's own word that the kernel moved it: both calls succeeded and returned on the CPU asked for.
            Assert.Equal($"0 {b} 0 {a}", stdout.Trim());

            var calls = history.Where(r => r.Number == setAffinity && !r.Is32Bit).ToList();
            foreach (var call in calls)
            {
                output.WriteLine($"round {round}: {formatter.Format(call)} (cpu {call.Cpu}, exit {call.ExitTimestampNs})");
            }
            Assert.Equal(3, calls.Count);
            var (toB, toA) = (calls[1], calls[2]);
            Assert.Equal(0L, toB.ReturnValue);
            Assert.Equal(0L, toA.ReturnValue);
            Assert.True(toB.ExitTimestampNs <= toA.TimestampNs,
                $"round {round}: the call to CPU {b} returned at {toB.ExitTimestampNs}, after the call to CPU {a} entered at {toA.TimestampNs}: it has the later call's exit");
            Assert.True(toA.ExitTimestampNs >= toA.TimestampNs, $"round {round}: the call to CPU {a} returned at {toA.ExitTimestampNs}, before it entered");
        }
    }

    // The CPUs this process may run on (a container or cgroup may allow fewer than the machine has).
    private static List<int> OnlineCpus()
    {
        var allowed = File.ReadLines("/proc/self/status").Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
        var cpus = new List<int>();
        foreach (var part in allowed["Cpus_allowed_list:".Length..].Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var range = part.Split('-');
            int first = int.Parse(range[0], CultureInfo.InvariantCulture);
            int last = range.Length > 1 ? int.Parse(range[1], CultureInfo.InvariantCulture) : first;
            for (var cpu = first; cpu <= last; cpu++)
            {
                cpus.Add(cpu);
            }
        }
        return cpus;
    }
}
