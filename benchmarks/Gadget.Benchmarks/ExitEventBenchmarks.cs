using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadget.Benchmarks;

/// <summary>
/// What the exit gadget costs per event in user space, and what it allocates, from real exit records: before every
/// iteration (not measured) a C generator does <see cref="Exits"/> fork + _exit while <see cref="ExitSnoop"/> traces the
/// host; the iteration then takes that many events from the gadget's <see cref="RingBufferGadget{TEvent}.ReadAsync"/>
/// (the generator's, or other processes' exits meanwhile: other engineers share this machine) and does the arm's work.
/// One operation = one exit of the generator (<c>OperationsPerInvoke</c>).
/// </summary>
/// <remarks>
/// Arms: <c>Read</c> takes the <see cref="ExitEvent"/>s (decode: the event object and its strings, comm and pcomm from
/// the gadget's cache); <c>Columns</c> / <c>Json</c> also write each with <see cref="EventWriter{T}"/> and
/// <see cref="GadgetSchemas.ExitSnoop"/>, what <c>gadgets exitsnoop</c> does (output to <see cref="Stream.Null"/>,
/// flushed once per iteration). The same file runs against an older build to compare.
/// </remarks>
[MemoryDiagnoser]
[MedianColumn]
[WarmupCount(2)]
[IterationCount(12)]
[InvocationCount(1)]
public class ExitEventBenchmarks
{
    /// <summary>Exits per iteration.</summary>
    public const int Exits = 500;

    private const string GeneratorSource = """
        #include <stdlib.h>
        #include <sys/wait.h>
        #include <unistd.h>
        int main(int argc, char **argv) {
            long n = atol(argv[1]);
            for (long i = 0; i < n; i++) {
                pid_t pid = fork();
                if (pid == 0) _exit(3);
                int status; waitpid(pid, &status, 0);
            }
            return 0;
        }
        """;

    private DirectoryInfo _work = null!;
    private string _generator = null!;
    private ExitSnoop _snoop = null!;
    private IAsyncEnumerator<ExitEvent> _events = null!;
    private EventWriter<ExitEvent> _columns = null!;
    private EventWriter<ExitEvent> _json = null!;

    [GlobalSetup]
    public void SetUp()
    {
        _work = Directory.CreateTempSubdirectory("gadget-exit-bench-");
        _generator = CGenerator.Compile(_work, "generator", GeneratorSource);
        _snoop = ExitSnoop.Start(new GadgetOptions { RingBufferSize = 16 << 20 });
        _events = _snoop.ReadAsync().GetAsyncEnumerator();
        _columns = new EventWriter<ExitEvent>(GadgetSchemas.ExitSnoop, OutputFormat.Columns, null, EventFilter.None, Stream.Null);
        _json = new EventWriter<ExitEvent>(GadgetSchemas.ExitSnoop, OutputFormat.Json, null, EventFilter.None, Stream.Null);
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        _snoop.Dispose();
        _work.Delete(recursive: true);
    }

    [IterationSetup]
    public void Exit()
    {
        using var generator = Process.Start(_generator, [Exits.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        generator.WaitForExit();
        Thread.Sleep(20);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Exits)]
    public async Task<long> Read()
    {
        var sum = 0L;
        for (var i = 0; i < Exits && await _events.MoveNextAsync(); i++)
        {
            sum += _events.Current.Pid;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Exits)]
    public async Task<long> Columns()
    {
        for (var i = 0; i < Exits && await _events.MoveNextAsync(); i++)
        {
            _columns.Write(_events.Current);
        }
        _columns.Flush();
        return _columns.Count;
    }

    [Benchmark(OperationsPerInvoke = Exits)]
    public async Task<long> Json()
    {
        for (var i = 0; i < Exits && await _events.MoveNextAsync(); i++)
        {
            _json.Write(_events.Current);
        }
        _json.Flush();
        return _json.Count;
    }
}
