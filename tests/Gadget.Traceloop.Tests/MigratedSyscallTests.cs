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

    // A reader thread blocks in read() on a pipe 200 times; before each message, the main thread (pinned to CPU B) moves
    // the blocked reader to the other CPU, so each read enters on one CPU and returns on the other, and every second read
    // returns on the CPU where the one before it entered (and left its enter open: the main thread's syscalls run on B).
    // The reader prints what each read returned and read: what the recording must say of the same calls.
    private const string ReaderSource = """
        #define _GNU_SOURCE
        #include <pthread.h>
        #include <sched.h>
        #include <stdint.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <sys/syscall.h>
        #include <time.h>
        #include <unistd.h>

        #define READS 200
        static int fds[2], cpu_a, cpu_b;
        static volatile long tid;
        static long ret[READS];
        static uint64_t value[READS];

        static int pin(pid_t who, int cpu)
        {
        	cpu_set_t set;
        	CPU_ZERO(&set);
        	CPU_SET(cpu, &set);
        	return sched_setaffinity(who, sizeof(set), &set);
        }

        static void *reader(void *arg)
        {
        	(void)arg;
        	if (pin(0, cpu_a) != 0)
        		exit(4);
        	tid = syscall(SYS_gettid);
        	for (int i = 0; i < READS; i++) {
        		uint64_t v = 0;
        		ret[i] = read(fds[0], &v, sizeof(v));
        		value[i] = v;
        	}
        	return NULL;
        }

        int main(int argc, char **argv)
        {
        	cpu_a = atoi(argv[1]);
        	cpu_b = atoi(argv[2]);
        	if (pin(0, cpu_b) != 0 || pipe(fds) != 0)
        		return 2;
        	pthread_t thread;
        	pthread_create(&thread, NULL, reader, NULL);
        	while (!tid)
        		sched_yield();
        	struct timespec pause = { 0, 300000 }; /* the reader blocks in its read meanwhile */
        	for (int i = 0; i < READS; i++) {
        		nanosleep(&pause, NULL);
        		if (pin(tid, i % 2 == 0 ? cpu_b : cpu_a) != 0)
        			return 3;
        		uint64_t v = 0x5eed0000ull + i;
        		if (write(fds[1], &v, sizeof(v)) != sizeof(v))
        			return 3;
        	}
        	pthread_join(thread, NULL);
        	for (int i = 0; i < READS; i++)
        		printf("%ld %d %ld %llu\n", tid, fds[0], ret[i], (unsigned long long)value[i]);
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

    [SkippableFact]
    public async Task BlockingReadsWokenOnAnotherCpuAreRecordedWithTheirOwnReturnsAndData()
    {
        var cpus = OnlineCpus();
        Skip.If(cpus.Count < 2, $"one CPU online ({string.Join(",", cpus)}): no task can move to another one");
        var source = Path.Combine(_directory, "reader.c");
        File.WriteAllText(source, ReaderSource);
        var binary = Gcc.Compile(source, Path.Combine(_directory, "reader"), "-O2", "-Wall", "-Werror", "-pthread");
        int read = SyscallTable.Current.GetNumber("read");
        var formatter = new SyscallFormatter();

        await using var tracer = TraceloopTracer.Start(new TraceloopOptions { BufferCaptureBytes = 8, PagesPerCpu = 256 });
        SyscallHistory history;
        string stdout;
        await using (var command = TracedCommand.Start(tracer, binary,
            [cpus[0].ToString(CultureInfo.InvariantCulture), cpus[1].ToString(CultureInfo.InvariantCulture)], redirectOutput: true))
        {
            var outputTask = command.Process.StandardOutput.ReadToEndAsync();
            Assert.Equal(0, await command.WaitForExitAsync());
            stdout = await outputTask;
            history = command.Dump();
        }
        Assert.True(history.IsComplete, $"the history is not complete ({history.DescribeGaps()}): the test needs every read");
        // What each thread's reads returned and read, in order, by the program's own account.
        var expected = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' '))
            .GroupBy(f => (Tid: int.Parse(f[0], CultureInfo.InvariantCulture), Fd: ulong.Parse(f[1], CultureInfo.InvariantCulture)))
            .ToList();
        Assert.Single(expected);
        foreach (var thread in expected)
        {
            var reads = history.Where(r => r.ThreadId == thread.Key.Tid && r.Number == read && r.Arguments[0] == thread.Key.Fd).ToList();
            var wanted = thread.ToList();
            Assert.True(reads.Count == wanted.Count, $"thread {thread.Key.Tid}: {reads.Count} reads recorded, {wanted.Count} made");
            for (var i = 0; i < wanted.Count; i++)
            {
                long ret = long.Parse(wanted[i][2], CultureInfo.InvariantCulture);
                var value = BitConverter.GetBytes(ulong.Parse(wanted[i][3], CultureInfo.InvariantCulture));
                var data = reads[i].Captured.SingleOrDefault(c => c.Index == 1).Data.ToArray();
                Assert.True(reads[i].ReturnValue == ret && data.AsSpan().SequenceEqual(value),
                    $"thread {thread.Key.Tid}, read {i}: recorded {formatter.Format(reads[i])} on CPU {reads[i].Cpu}, the program read {ret} bytes: {Convert.ToHexString(value)}");
            }
        }
        output.WriteLine($"{history.Count(r => r.Number == read)} reads, {history.Count} syscalls recorded");
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
