using Gadget.CommandLine;
using Gadget.Containers;
using Gadget.Gadgets;

namespace Gadget.Agent;

/// <summary>
/// One running gadget (one set of BPF programs, node-wide, no kernel filter) shared by every client that streams it: its
/// pump reads the events once, serializes each event once, and offers it to the clients whose selector matches its
/// container(s). Kernel losses (the gadget's <c>EventsLost</c>) are passed to every client.
/// </summary>
internal sealed class GadgetFeed : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly IAsyncDisposable _gadget;
    private readonly ILogger _logger;
    private StreamSubscriber[] _subscribers = [];
    private Task _pump = Task.CompletedTask;
    private int _disposed;

    private GadgetFeed(string name, IAsyncDisposable gadget, ILogger logger)
    {
        Name = name;
        _gadget = gadget;
        _logger = logger;
    }

    /// <summary>The gadget's name.</summary>
    public string Name { get; }

    /// <summary>Clients now.</summary>
    public int Count => Volatile.Read(ref _subscribers).Length;

    /// <summary>Starts <paramref name="start"/>'s gadget and its pump.</summary>
    /// <param name="name">The gadget's name.</param>
    /// <param name="gadget">The started gadget.</param>
    /// <param name="schema">Its events' fields: serialized as schemas/gadget-event.schema.json says, like the gadgets CLI's JSON.</param>
    /// <param name="containers">The container(s) an event belongs to (the sender's and target's for signals).</param>
    /// <param name="logger">Where the pump's failure goes.</param>
    /// <param name="onEnded">Called when the pump ends by itself (the gadget failed).</param>
    public static GadgetFeed Start<TEvent>(
        string name,
        IGadget<TEvent> gadget,
        EventSchema<TEvent> schema,
        Func<TEvent, (Container?, Container?)> containers,
        ILogger logger,
        Action<GadgetFeed> onEnded)
        where TEvent : class
    {
        var feed = new GadgetFeed(name, gadget, logger);
        gadget.EventsLost += (_, e) =>
        {
            foreach (var subscriber in Volatile.Read(ref feed._subscribers))
            {
                subscriber.OfferKernelLoss(e.Count);
            }
        };
        feed._pump = Task.Run(() => feed.PumpAsync(gadget.ReadAsync(feed._stop.Token), containers, schema, onEnded));
        return feed;
    }

    /// <summary>Adds a client.</summary>
    public void Add(StreamSubscriber subscriber)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers, subscriber];
        }
    }

    /// <summary>Removes a client; returns how many are left.</summary>
    public int Remove(StreamSubscriber subscriber)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers.Where(s => s != subscriber)];
            return _subscribers.Length;
        }
    }

    private async Task PumpAsync<TEvent>(IAsyncEnumerable<TEvent> events, Func<TEvent, (Container?, Container?)> containers, EventSchema<TEvent> schema, Action<GadgetFeed> onEnded)
    {
        Exception? failure = null;
        try
        {
            await foreach (var e in events.ConfigureAwait(false))
            {
                var (first, second) = containers(e);
                byte[]? line = null;
                foreach (var subscriber in Volatile.Read(ref _subscribers))
                {
                    if (subscriber.Wants(first, second))
                    {
                        line ??= EventJson.Line(schema, e);
                        subscriber.Offer(line);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            failure = e;
            _logger.LogError(e, "Gadget {Gadget} failed: its streams end", Name);
        }
        if (!_stop.IsCancellationRequested)
        {
            onEnded(this);
        }
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Complete(failure is null ? null : new InvalidOperationException($"gadget {Name} failed: {failure.Message}", failure));
        }
    }

    /// <summary>Stops the pump and detaches the gadget's programs.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stop.CancelAsync();
        await _gadget.DisposeAsync();
        await _pump.ConfigureAwait(false);
        _stop.Dispose();
    }
}
