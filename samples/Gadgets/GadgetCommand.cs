using Gadget.Bpf;
using Gadget.Containers;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary>What a subcommand's file provides: it runs with the parsed command line and the shared setup.</summary>
internal delegate Task<int> GadgetCommandHandler(CommandLine line, GadgetContext context);

/// <summary>
/// The setup every subcommand shares: the container collection (unless <c>--host</c>), the <see cref="GadgetOptions"/>
/// built from the selector flags, Ctrl-C / SIGTERM as cancellation, and an <see cref="EventWriter{T}"/> for the output.
/// </summary>
internal sealed class GadgetContext : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<System.Runtime.InteropServices.PosixSignalRegistration> _signals = [];

    private GadgetContext(CommandLine line, ContainerCollection? containers)
    {
        Line = line;
        Containers = containers;
        Options = new GadgetOptions { Containers = containers, Selector = line.Selector, RingBufferSize = line.RingBufferSize };
        foreach (var signal in (System.Runtime.InteropServices.PosixSignal[])[System.Runtime.InteropServices.PosixSignal.SIGINT, System.Runtime.InteropServices.PosixSignal.SIGTERM])
        {
            _signals.Add(System.Runtime.InteropServices.PosixSignalRegistration.Create(signal, c =>
            {
                c.Cancel = true;
                _stop.Cancel();
            }));
        }
    }

    /// <summary>The parsed command line.</summary>
    public CommandLine Line { get; }

    /// <summary>The container collection; null with <c>--host</c>.</summary>
    public ContainerCollection? Containers { get; }

    /// <summary>The options to start a gadget with.</summary>
    public GadgetOptions Options { get; }

    /// <summary>Canceled by Ctrl-C, SIGTERM or <c>--timeout SECONDS</c>.</summary>
    public CancellationToken Stopping => _stop.Token;

    /// <summary>Creates the collection (unless <c>--host</c>) and arms <c>--timeout</c>.</summary>
    public static GadgetContext Create(CommandLine line)
    {
        var containers = line.Host ? null : new ContainerCollection();
        var context = new GadgetContext(line, containers);
        if (line.Option("--timeout") is { } seconds)
        {
            context._stop.CancelAfter(TimeSpan.FromSeconds(double.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture)));
        }
        return context;
    }

    /// <summary>A writer for the chosen <c>--output</c>.</summary>
    public EventWriter<T> Writer<T>(IReadOnlyList<Column<T>> columns) => new(columns, Line.Output);

    /// <summary>
    /// Writes every event of <paramref name="events"/> until stopped; <paramref name="subscribeLost"/> subscribes a handler
    /// to the gadget's <c>EventsLost</c>, which writes each loss as it is noticed (between events, on the reading thread).
    /// </summary>
    public async Task<int> PrintAsync<T>(IAsyncEnumerable<T> events, IReadOnlyList<Column<T>> columns, Action<EventHandler<EventsLostEventArgs>>? subscribeLost = null)
    {
        var writer = Writer(columns);
        subscribeLost?.Invoke((_, e) => writer.WriteLost(e));
        var enumerator = events.GetAsyncEnumerator(Stopping);
        try
        {
            while (true)
            {
                var next = enumerator.MoveNextAsync();
                if (!next.IsCompleted)
                {
                    writer.Flush(); // nothing more waiting: show what we have before blocking
                }
                if (!await next.ConfigureAwait(false))
                {
                    break;
                }
                writer.Write(enumerator.Current);
            }
        }
        catch (OperationCanceledException) when (Stopping.IsCancellationRequested)
        {
        }
        finally
        {
            writer.Flush();
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
        return 0;
    }

    /// <summary>The column showing an event's container name (empty for host processes).</summary>
    public static Column<T> ContainerColumn<T>(Func<T, Container?> container) => new("CONTAINER", -16, e => container(e)?.Name);

    /// <summary>Stops the signal handlers and the collection.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var signal in _signals)
        {
            signal.Dispose();
        }
        if (Containers is not null)
        {
            await Containers.DisposeAsync().ConfigureAwait(false);
        }
        _stop.Dispose();
    }
}
