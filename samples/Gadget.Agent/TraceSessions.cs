using System.Collections.Concurrent;
using Gadget.Containers;
using Gadget.Containers.Kubernetes;
using Gadget.Traceloop;

namespace Gadget.Agent;

/// <summary>
/// The node's one <see cref="ContainerCollection"/> and its one <see cref="TraceloopTracer"/>, and the traces started on them.
/// A trace that asks for every syscall's exit time (<see cref="TraceRequest.ExitTimestamps"/>) is a recorder that chooses so
/// on the same tracer: its containers' rings read every exit's clock while it records them.
/// </summary>
public sealed class TraceSessions : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (ContainerSelector Selector, ContainerRecorder Recorder, string Owner, bool ExitTimestamps)> traces = new();
    private readonly ILogger logger;
    private readonly Lazy<TraceloopTracer> tracer;
    private readonly KubernetesPodMetadataSource? podLabels;
    private readonly AgentMetrics metrics;
    private int nextId;

    /// <summary>Creates the collection (with pod labels from the Kubernetes API when <see cref="PodLabels.Start"/> finds it);
    /// the tracer loads on the first trace.</summary>
    public TraceSessions(ILogger<TraceSessions> logger, IConfiguration configuration, ILoggerFactory loggers, AgentOptions options, AgentMetrics metrics)
    {
        this.logger = logger;
        this.metrics = metrics;
        podLabels = PodLabels.Start(configuration, loggers);
        try
        {
            Containers = new ContainerCollection(new ContainerCollectionOptions
            {
                PodMetadataSource = podLabels,
                Logger = loggers.CreateLogger<ContainerCollection>(),
            });
        }
        catch
        {
            podLabels?.Dispose();
            throw;
        }
        tracer = new Lazy<TraceloopTracer>(() => TraceloopTracer.Start(new TraceloopOptions { SpareRings = options.SpareRings }), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The containers of this node.</summary>
    public ContainerCollection Containers { get; }

    /// <summary>Starts recording the containers <paramref name="selector"/> matches; returns the trace id.</summary>
    /// <param name="selector">The containers to record.</param>
    /// <param name="owner">Who starts it (<see cref="Caller.Key"/>), counted by <see cref="Started"/>.</param>
    /// <param name="exitTimestamps">Read the clock at every recorded syscall's exit (<see cref="TraceRequest.ExitTimestamps"/>).</param>
    public string Start(ContainerSelector selector, string owner, bool exitTimestamps = false)
    {
        var id = Interlocked.Increment(ref nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var recorder = tracer.Value.Follow(Containers, selector, retainedExitedContainers: 16, exitTimestamps);
        recorder.ContainerCrashed += (_, e) =>
        {
            metrics.HistoryRead(e.History, "crash");
            logger.LogWarning("Container {Name} ({Id}) crashed ({Status}); {Count} syscalls recorded", e.Container.Name, e.Container.Id, e.Container.ExitStatus, e.History.Count);
        };
        traces[id] = (selector, recorder, owner, exitTimestamps);
        logger.LogInformation("Trace {TraceId} started for {Selector}{ExitTimestamps}", id, selector, exitTimestamps ? " with exit timestamps" : "");
        return id;
    }

    /// <summary>The traces running now that <paramref name="owner"/> started.</summary>
    public int Started(string owner) => traces.Values.Count(t => t.Owner == owner);

    /// <summary>Stops a trace; false when there is none with this id.</summary>
    public bool Stop(string id)
    {
        if (!traces.TryRemove(id, out var trace))
        {
            return false;
        }
        trace.Recorder.Dispose();
        logger.LogInformation("Trace {TraceId} stopped", id);
        return true;
    }

    /// <summary>The traces: id, selector, whether every exit is timed, and recorded containers.</summary>
    public IEnumerable<object> List() => traces.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new
    {
        id = t.Key,
        selector = t.Value.Selector.ToString(),
        exitTimestamps = t.Value.ExitTimestamps,
        containers = t.Value.Recorder.Containers.Select(c => c.Name).ToArray(),
    });

    /// <summary>
    /// The history of the container with this id prefix or name, from the oldest trace recording it (traces that record the
    /// same container share its ring: the same history); null when none does.
    /// </summary>
    public (Container Container, IReadOnlyList<SyscallRecord> History)? Dump(string idOrName)
    {
        var ordered = traces.OrderBy(t => long.Parse(t.Key, System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (_, (_, recorder, _, _)) in ordered)
        {
            Container container;
            try
            {
                container = recorder.Find(idOrName);
            }
            catch (KeyNotFoundException)
            {
                continue;
            }
            var history = recorder.Dump(container.Id);
            metrics.HistoryRead(history, "request");
            return (container, history);
        }
        return null;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var id in traces.Keys.ToArray())
        {
            Stop(id);
        }
        if (tracer.IsValueCreated)
        {
            await tracer.Value.DisposeAsync();
        }
        await Containers.DisposeAsync();
        if (podLabels is not null)
        {
            await podLabels.DisposeAsync();
        }
    }
}
