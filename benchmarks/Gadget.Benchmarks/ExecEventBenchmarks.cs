using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadget.Benchmarks;

/// <summary>
/// What the exec gadget costs per event in user space, and what it allocates, from real exec records in its ring buffer:
/// before every iteration (not measured) a C generator does <see cref="Execs"/> fork + exec of /bin/true with four
/// arguments while <see cref="ExecSnoop"/> traces the host; the iteration then reads every record the ring holds (those,
/// plus any other process's execs meanwhile: other engineers share this machine) and turns each into what the arm's
/// consumer needs. One operation = one exec of the generator (<c>OperationsPerInvoke</c>).
/// </summary>
/// <remarks>
/// Arms: <c>View</c> reads the record in place (<see cref="RingBufferViewGadget{TEvent, TView}.Consume{THandler}"/>, a struct handler summing pids and
/// argument lengths); <c>ToEvent</c> makes the <see cref="ExecEvent"/> that <see cref="ExecSnoop.ReadAsync"/> hands out;
/// <c>WriterColumns</c> / <c>WriterJson</c> format in place with <see cref="ViewEventWriter{TEvent, TView}"/> (what <c>gadgets execsnoop</c>
/// does for columns and JSON lines); <c>EventWriterColumns</c> / <c>EventWriterJson</c> make the ExecEvent and format it
/// with the shared <see cref="EventWriter{T}"/> (the tool's path before, and still for YAML and --filter). Output goes to
/// <see cref="Stream.Null"/>, flushed once per iteration.
/// </remarks>
[MemoryDiagnoser]
[MedianColumn]
[WarmupCount(2)]
[IterationCount(12)]
[InvocationCount(1)]
public class ExecEventBenchmarks
{
    /// <summary>Execs per iteration.</summary>
    public const int Execs = 200;

    private const string GeneratorSource = """
        #include <stdlib.h>
        #include <sys/wait.h>
        #include <unistd.h>
        int main(int argc, char **argv) {
            long n = atol(argv[1]);
            for (long i = 0; i < n; i++) {
                pid_t pid = fork();
                if (pid == 0) { execl("/bin/true", "/bin/true", "--bench", argv[2], "some-argument", (char *)0); _exit(127); }
                int status; waitpid(pid, &status, 0);
            }
            return 0;
        }
        """;

    private DirectoryInfo _work = null!;
    private string _generator = null!;
    private ExecSnoop _snoop = null!;
    private ViewHandler _view;
    private EventHandler _events;
    private ViewEventWriter<ExecEvent, ExecEventView> _columns = null!;
    private ViewEventWriter<ExecEvent, ExecEventView> _json = null!;
    private GenericHandler _genericColumns;
    private GenericHandler _genericJson;

    [GlobalSetup]
    public void SetUp()
    {
        _work = Directory.CreateTempSubdirectory("gadget-exec-bench-");
        _generator = CGenerator.Compile(_work, "generator", GeneratorSource);
        _snoop = ExecSnoop.Start(new GadgetOptions { RingBufferSize = 16 << 20 });
        _columns = new ViewEventWriter<ExecEvent, ExecEventView>(ViewSchemas.ExecSnoop, OutputFormat.Columns, null, EventFilter.None, output: Stream.Null);
        _json = new ViewEventWriter<ExecEvent, ExecEventView>(ViewSchemas.ExecSnoop, OutputFormat.Json, null, EventFilter.None, output: Stream.Null);
        _genericColumns = new GenericHandler(new EventWriter<ExecEvent>(GadgetSchemas.ExecSnoop, OutputFormat.Columns, null, EventFilter.None, Stream.Null));
        _genericJson = new GenericHandler(new EventWriter<ExecEvent>(GadgetSchemas.ExecSnoop, OutputFormat.Json, null, EventFilter.None, Stream.Null));
    }

    [GlobalCleanup]
    public void CleanUp()
    {
        _snoop.Dispose();
        _work.Delete(recursive: true);
    }

    [IterationSetup]
    public void Exec()
    {
        // Empty the ring of what came before, then fill it with this iteration's execs.
        var drain = default(ViewHandler);
        _snoop.Consume(ref drain);
        using var generator = Process.Start(_generator, [Execs.ToString(System.Globalization.CultureInfo.InvariantCulture), "marker-" + Environment.ProcessId]);
        generator.WaitForExit();
        Thread.Sleep(20);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Execs)]
    public long View()
    {
        _snoop.Consume(ref _view);
        return _view.Sum;
    }

    [Benchmark(OperationsPerInvoke = Execs)]
    public int ToEvent()
    {
        _snoop.Consume(ref _events);
        return _events.Count;
    }

    [Benchmark(OperationsPerInvoke = Execs)]
    public long WriterColumns()
    {
        _snoop.Consume(ref _columns);
        _columns.Flush();
        return _columns.Count;
    }

    [Benchmark(OperationsPerInvoke = Execs)]
    public long WriterJson()
    {
        _snoop.Consume(ref _json);
        _json.Flush();
        return _json.Count;
    }

    [Benchmark(OperationsPerInvoke = Execs)]
    public long EventWriterColumns()
    {
        _snoop.Consume(ref _genericColumns);
        _genericColumns.Writer.Flush();
        return _genericColumns.Writer.Count;
    }

    [Benchmark(OperationsPerInvoke = Execs)]
    public long EventWriterJson()
    {
        _snoop.Consume(ref _genericJson);
        _genericJson.Writer.Flush();
        return _genericJson.Writer.Count;
    }

    private struct ViewHandler : IEventViewHandler<ExecEventView>
    {
        public long Sum;

        public void OnEvent(in ExecEventView exec)
        {
            Sum += exec.Pid + exec.CommUtf8.Length;
            foreach (var argument in exec.Arguments)
            {
                Sum += argument.Length;
            }
        }
    }

    private struct EventHandler : IEventViewHandler<ExecEventView>
    {
        public int Count;

        public void OnEvent(in ExecEventView exec)
        {
            if (exec.ToEvent().Arguments.Count > 0)
            {
                Count++;
            }
        }
    }

    private readonly struct GenericHandler(EventWriter<ExecEvent> writer) : IEventViewHandler<ExecEventView>
    {
        public EventWriter<ExecEvent> Writer { get; } = writer;

        public void OnEvent(in ExecEventView exec) => Writer.Write(exec.ToEvent());
    }
}
