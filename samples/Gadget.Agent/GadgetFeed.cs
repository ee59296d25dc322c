using System.Buffers;
using System.Text.Json;
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
    /// <param name="read">Its events.</param>
    /// <param name="subscribeLost">Subscribes to its <c>EventsLost</c>.</param>
    /// <param name="containers">The container(s) an event belongs to (the sender's and target's for signals).</param>
    /// <param name="json">How events are serialized.</param>
    /// <param name="logger">Where the pump's failure goes.</param>
    /// <param name="onEnded">Called when the pump ends by itself (the gadget failed).</param>
    public static GadgetFeed Start<TGadget, TEvent>(
        string name,
        TGadget gadget,
        Func<TGadget, CancellationToken, IAsyncEnumerable<TEvent>> read,
        Action<TGadget, EventHandler<EventsLostEventArgs>> subscribeLost,
        Func<TEvent, (Container?, Container?)> containers,
        JsonSerializerOptions json,
        ILogger logger,
        Action<GadgetFeed> onEnded)
        where TGadget : IAsyncDisposable
    {
        var feed = new GadgetFeed(name, gadget, logger);
        subscribeLost(gadget, (_, e) =>
        {
            foreach (var subscriber in Volatile.Read(ref feed._subscribers))
            {
                subscriber.OfferKernelLoss(e.Count);
            }
        });
        feed._pump = Task.Run(() => feed.PumpAsync(read(gadget, feed._stop.Token), containers, json, onEnded));
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

    private async Task PumpAsync<TEvent>(IAsyncEnumerable<TEvent> events, Func<TEvent, (Container?, Container?)> containers, JsonSerializerOptions json, Action<GadgetFeed> onEnded)
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
                        line ??= Serialize(e, json);
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

    private static byte[] Serialize<TEvent>(TEvent e, JsonSerializerOptions json)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            JsonSerializer.Serialize(writer, e, json);
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
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
