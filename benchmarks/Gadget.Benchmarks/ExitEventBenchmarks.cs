using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadget.Benchmarks;

/// <summary>
/// What the exit gadget (and, by <see cref="Gadget"/>, the signal and mount gadgets) costs per event in user space, and
/// what it allocates, from real records: before every iteration (not measured) a C generator makes <see cref="Events"/>
/// events while the gadget traces the host (<c>exit</c>: fork + _exit(3); <c>signal</c>: kill(getpid(), SIGUSR1), ignored;
/// <c>mount</c>: a mount(2) on a missing directory, ENOENT); the iteration then does the arm's work. One operation = one
/// event of the generator (<c>OperationsPerInvoke</c>).
/// </summary>
/// <remarks>
/// Arms through event objects (the tools' path before): <c>Read</c> takes <see cref="Events"/> events from ReadAsync (the
/// generator's, or other processes' meanwhile: other engineers share this machine); <c>Columns</c> / <c>Json</c> also write
/// each with <see cref="EventWriter{T}"/>. Arms in place (the tools' path now, <see cref="GadgetEventArms{TEvent, TView}"/>):
/// the ring is emptied before the iteration, which then reads every record in it: <c>View</c> (a struct handler reads
/// the pid), <c>ViewColumns</c> / <c>ViewJson</c> (<see cref="ViewEventWriter{TEvent, TView}"/>). Output goes to
/// <see cref="Stream.Null"/>, flushed once per iteration. The event-object arms run against an older build too, to compare.
/// </remarks>
[MemoryDiagnoser]
[MedianColumn]
[WarmupCount(2)]
[IterationCount(12)]
[InvocationCount(1)]
public class ExitEventBenchmarks
{
    /// <summary>Events per iteration.</summary>
    public const int Events = 500;

    private const string GeneratorSource = """
        #include <signal.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/mount.h>
        #include <sys/wait.h>
        #include <unistd.h>
        int main(int argc, char **argv) {
            long n = atol(argv[2]);
            signal(SIGUSR1, SIG_IGN);
            for (long i = 0; i < n; i++) {
                if (strcmp(argv[1], "exit") == 0) {
                    pid_t pid = fork();
                    if (pid == 0) _exit(3);
                    int status; waitpid(pid, &status, 0);
                } else if (strcmp(argv[1], "signal") == 0) {
                    kill(getpid(), SIGUSR1);
                } else {
                    mount("gadget-bench", "/nonexistent-gadget-bench", "tmpfs", 0, "size=1m");
                }
            }
            return 0;
        }
        """;

    private DirectoryInfo _work = null!;
    private string _generator = null!;
    private IGadgetEventArms _arms = null!;

    /// <summary>Which gadget: exit, signal or mount.</summary>
    [Params("exit", "signal", "mount")]
    public string Gadget { get; set; } = "exit";

    [GlobalSetup]
    public void SetUp()
    {
        _work = Directory.CreateTempSubdirectory("gadget-event-bench-");
        _generator = CGenerator.Compile(_work, "generator", GeneratorSource);
        var options = new GadgetOptions { RingBufferSize = 16 << 20 };
        _arms = Gadget switch
        {
            "exit" => new GadgetEventArms<ExitEvent, ExitEventView>(ExitSnoop.Start(options), ViewSchemas.ExitSnoop, e => e.Pid, v => v.Process.Pid),
            "signal" => new GadgetEventArms<SignalEvent, SignalEventView>(SigSnoop.Start(options), ViewSchemas.SigSnoop, e => e.SenderPid, v => v.Sender.Pid),
            _ => new GadgetEventArms<MountEvent, MountEventView>(MountSnoop.Start(options), ViewSchemas.MountSnoop, e => e.Pid, v => v.Process.Pid),
        };
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        _arms.Dispose();
        _work.Delete(recursive: true);
    }

    [IterationSetup(Targets = [nameof(Read), nameof(Columns), nameof(Json)])]
    public void Generate()
    {
        using var generator = Process.Start(_generator, [Gadget, Events.ToString(CultureInfo.InvariantCulture)]);
        generator.WaitForExit();
        Thread.Sleep(20);
    }

    [IterationSetup(Targets = [nameof(View), nameof(ViewColumns), nameof(ViewJson)])]
    public void DrainAndGenerate()
    {
        _arms.Drain();
        Generate();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public Task<long> Read() => _arms.Read(Events);

    [Benchmark(OperationsPerInvoke = Events)]
    public Task<long> Columns() => _arms.Columns(Events);

    [Benchmark(OperationsPerInvoke = Events)]
    public Task<long> Json() => _arms.Json(Events);

    [Benchmark(OperationsPerInvoke = Events)]
    public long View() => _arms.View();

    [Benchmark(OperationsPerInvoke = Events)]
    public long ViewColumns() => _arms.ViewColumns();

    [Benchmark(OperationsPerInvoke = Events)]
    public long ViewJson() => _arms.ViewJson();
}
