using System.Collections.Concurrent;

namespace Gadget.Hosting;

/// <summary>The gadgets registered in this host, and which of them started (or failed to): what the health check reports.</summary>
internal sealed class GadgetRegistry(Microsoft.Extensions.Configuration.IConfiguration? configuration)
{
    /// <summary>The <c>Gadget</c> section the first <c>AddGadget</c> was given: later calls without one bind from it too.</summary>
    public Microsoft.Extensions.Configuration.IConfiguration? Configuration { get; } = configuration;

    private readonly ConcurrentDictionary<string, GadgetState> _states = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, GadgetState> States => _states;

    public void Started(string name, Func<ulong> lostEvents) => _states[name] = new GadgetState(null, lostEvents);

    public void Failed(string name, Exception error) => _states[name] = new GadgetState(error, null);

    internal sealed record GadgetState(Exception? Error, Func<ulong>? LostEvents);
}
