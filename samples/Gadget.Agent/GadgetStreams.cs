using System.Text.Json;
using Gadget.CommandLine;
using Gadget.Containers;
using Gadget.Gadgets;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Gadget.Agent;

/// <summary>
/// The gadgets clients stream: one <see cref="GadgetFeed"/> per gadget, started by its first client and stopped when its
/// last one leaves, whatever the clients' selectors (each client's selector is matched in user space). 100 clients of
/// opensnoop hold one set of opensnoop programs.
/// </summary>
public sealed class GadgetStreams : IAsyncDisposable
{
    /// <summary>The gadgets the agent streams.</summary>
    public static readonly IReadOnlyList<string> Names = ["execsnoop", "opensnoop", "tcpconnect", "tcpaccept", "sigsnoop", "oomkill", "exitsnoop", "bindsnoop", "mountsnoop", "tcpretrans", "tcpdrop", "capable", "tcptop", "top-file", "dns"];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, GadgetFeed> _feeds = new(StringComparer.Ordinal);
    private readonly TraceSessions _sessions;
    private readonly AgentOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly JsonSerializerOptions _json;

    /// <summary>Creates the registry.</summary>
    public GadgetStreams(TraceSessions sessions, AgentOptions options, ILoggerFactory loggers, IOptions<JsonOptions> json)
    {
        ArgumentNullException.ThrowIfNull(json);
        _sessions = sessions;
        _options = options;
        _loggers = loggers;
        _json = json.Value.SerializerOptions;
    }

    /// <summary>How many clients stream <paramref name="name"/> now (0 when it is not running).</summary>
    public int Clients(string name)
    {
        lock (_gate)
        {
            return _feeds.TryGetValue(name, out var feed) ? feed.Count : 0;
        }
    }

    /// <summary>Adds a client to gadget <paramref name="name"/>, starting it when it is the first.</summary>
    /// <exception cref="Gadget.Bpf.BpfException">The gadget could not be loaded or attached.</exception>
    internal (GadgetFeed Feed, StreamSubscriber Subscriber) Subscribe(string name, ContainerSelector? selector)
    {
        var subscriber = new StreamSubscriber(selector, _options.ClientQueue);
        lock (_gate)
        {
            if (!_feeds.TryGetValue(name, out var feed))
            {
                feed = Start(name);
                _feeds[name] = feed;
            }
            feed.Add(subscriber);
            return (feed, subscriber);
        }
    }

    /// <summary>Removes a client; stops the gadget when it was the last.</summary>
    internal async Task UnsubscribeAsync(GadgetFeed feed, StreamSubscriber subscriber)
    {
        lock (_gate)
        {
            if (feed.Remove(subscriber) > 0)
            {
                return;
            }
            if (_feeds.TryGetValue(feed.Name, out var current) && current == feed)
            {
                _feeds.Remove(feed.Name);
            }
        }
        await feed.DisposeAsync();
    }

    private GadgetFeed Start(string name)
    {
        var logger = _loggers.CreateLogger("Gadget.Agent.Gadgets." + name);
        // Node-wide: no kernel-side selection; clients' selectors are matched on each event's container.
        var options = new GadgetOptions { Containers = _sessions.Containers, Logger = logger, RingBufferSize = _options.RingSize };
        void Ended(GadgetFeed feed)
        {
            lock (_gate)
            {
                if (_feeds.TryGetValue(feed.Name, out var current) && current == feed)
                {
                    _feeds.Remove(feed.Name);
                }
            }
        }
        var feed = name switch
        {
            "execsnoop" => GadgetFeed.Start(name, ExecSnoop.Start(options), GadgetSchemas.ExecSnoop, e => (e.Container, null), logger, Ended),
            "opensnoop" => GadgetFeed.Start(name, OpenSnoop.Start(options), GadgetSchemas.OpenSnoop, e => (e.Container, null), logger, Ended),
            "tcpconnect" => GadgetFeed.Start(name, TcpConnect.Start(options), GadgetSchemas.TcpConnect, e => (e.Container, null), logger, Ended),
            "tcpaccept" => GadgetFeed.Start(name, TcpAccept.Start(options), GadgetSchemas.TcpAccept, e => (e.Container, null), logger, Ended),
            "sigsnoop" => GadgetFeed.Start(name, SigSnoop.Start(options), GadgetSchemas.SigSnoop, e => (e.SenderContainer, e.TargetContainer), logger, Ended),
            "oomkill" => GadgetFeed.Start(name, OomKill.Start(options), GadgetSchemas.OomKill, e => (e.Container, e.TriggerContainer), logger, Ended),
            "exitsnoop" => GadgetFeed.Start(name, ExitSnoop.Start(options), GadgetSchemas.ExitSnoop, e => (e.Container, null), logger, Ended),
            "bindsnoop" => GadgetFeed.Start(name, BindSnoop.Start(options), GadgetSchemas.BindSnoop, e => (e.Container, null), logger, Ended),
            "mountsnoop" => GadgetFeed.Start(name, MountSnoop.Start(options), GadgetSchemas.MountSnoop, e => (e.Container, null), logger, Ended),
            "tcpretrans" => GadgetFeed.Start(name, TcpRetrans.Start(options), GadgetSchemas.TcpRetrans, e => (e.Container, null), logger, Ended),
            "tcpdrop" => GadgetFeed.Start(name, TcpDrop.Start(options), GadgetSchemas.TcpDrop, e => (e.Container, null), logger, Ended),
            "capable" => GadgetFeed.Start(name, Capable.Start(options), GadgetSchemas.Capable, e => (e.Container, null), logger, Ended),
            // The top gadgets: each interval's table (the gadget's default, 1 s, every row) streamed row by row.
            "tcptop" => GadgetFeed.Start(name, Rows(TcpTop.Start(options), (g, ct) => g.ReadAsync(ct), s => s.Connections.Select(c => new TcpTopRow(c, s.Time))), GadgetSchemas.TcpTop, r => (r.Traffic.Container, null), logger, Ended),
            "top-file" => GadgetFeed.Start(name, Rows(FileTop.Start(options), (g, ct) => g.ReadAsync(ct), s => s.Files.Select(f => new FileTopRow(f, s.Time))), GadgetSchemas.TopFile, r => (r.File.Container, null), logger, Ended),
            "dns" => GadgetFeed.Start(name, DnsSnoop.Start(options), GadgetSchemas.Dns, e => (e.Container, null), logger, Ended),
            _ => throw new ArgumentException($"unknown gadget '{name}'", nameof(name)),
        };
        logger.LogInformation("Gadget {Gadget} started (one set of programs for every client)", name);
        return feed;
    }

    private static IntervalRows<TSnapshot, TRow> Rows<TGadget, TSnapshot, TRow>(TGadget gadget, Func<TGadget, CancellationToken, IAsyncEnumerable<TSnapshot>> read, Func<TSnapshot, IEnumerable<TRow>> rows)
        where TGadget : IAsyncDisposable
        where TRow : class =>
        new(gadget, ct => read(gadget, ct), rows);

    /// <summary>Stops every gadget.</summary>
    public async ValueTask DisposeAsync()
    {
        GadgetFeed[] feeds;
        lock (_gate)
        {
            feeds = [.. _feeds.Values];
            _feeds.Clear();
        }
        foreach (var feed in feeds)
        {
            await feed.DisposeAsync();
        }
    }
}
