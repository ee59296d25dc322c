using Gadget.Containers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Gadget.Hosting;

/// <summary>
/// <c>gadget-programs</c>: whether the host's BPF programs are attached. Unhealthy when a registered gadget failed to start
/// or the shared container collection runs without its BPF program although <see cref="ContainerCollectionSettings.UseBpf"/>
/// asks for it; degraded while a registered gadget has not started yet. Its data: each gadget's events lost so far.
/// </summary>
public sealed class GadgetProgramsHealthCheck : IHealthCheck
{
    private readonly IServiceProvider _services;
    private readonly GadgetHostingOptions _options;

    /// <summary>Creates the check (the host does, through dependency injection).</summary>
    /// <param name="services">Where the collection and gadgets are.</param>
    /// <param name="options">The host's Gadget options.</param>
    public GadgetProgramsHealthCheck(IServiceProvider services, IOptions<GadgetHostingOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _services = services;
        _options = options.Value;
    }

    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var unhealthy = new List<string>();
        var pending = new List<string>();
        var registry = _services.GetRequiredService<GadgetRegistry>();
        if (_options.StartContainersWithHost)
        {
            var containers = _services.GetRequiredService<ContainerCollection>();
            data["containers"] = containers.Containers.Count;
            data["containers.earlyDetection"] = containers.IsEarlyDetectionActive;
            if (_options.Containers.UseBpf && !containers.IsEarlyDetectionActive)
            {
                unhealthy.Add("the container collection's BPF program is not attached");
            }
        }
        foreach (var registration in _services.GetServices<GadgetRegistration>())
        {
            if (!registry.States.TryGetValue(registration.Name, out var state))
            {
                pending.Add(registration.Name);
                data[registration.Name] = "not started";
            }
            else if (state.Error is { } error)
            {
                unhealthy.Add($"{registration.Name} failed to start: {error.Message}");
                data[registration.Name] = "failed";
            }
            else
            {
                data[registration.Name] = "attached";
                data[registration.Name + ".lostEvents"] = state.LostEvents?.Invoke() ?? 0;
            }
        }
        var result = unhealthy.Count > 0
            ? HealthCheckResult.Unhealthy(string.Join("; ", unhealthy) + ".", data: data)
            : pending.Count > 0
                ? HealthCheckResult.Degraded($"Not started yet: {string.Join(", ", pending)}.", data: data)
                : HealthCheckResult.Healthy("Every Gadget BPF program of this host is attached.", data);
        return Task.FromResult(result);
    }
}
