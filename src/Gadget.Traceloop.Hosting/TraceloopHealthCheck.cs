using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gadget.Traceloop.Hosting;

/// <summary>
/// <c>traceloop</c>: whether the flight recorder is loaded and attached. Unhealthy before the host started it, after it stopped,
/// or when its start failed (with the reason); degraded when new cgroups found no spare ring (their first syscalls went
/// unrecorded: raise <see cref="TraceloopOptions.SpareRings"/>). Its data: containers with a history, bytes per container,
/// syscalls missed.
/// </summary>
public sealed class TraceloopHealthCheck : IHealthCheck
{
    private readonly TraceloopBackgroundService _service;

    /// <summary>Creates the check (the host does, through dependency injection).</summary>
    /// <param name="service">The hosted recorder.</param>
    public TraceloopHealthCheck(TraceloopBackgroundService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        _service = service;
    }

    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (_service.Started.IsFaulted)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The traceloop recorder failed to start: " + _service.Started.Exception?.GetBaseException().Message, _service.Started.Exception?.GetBaseException()));
        }
        var tracer = _service.Tracer;
        if (tracer is null)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The traceloop recorder is not running."));
        }
        ulong missed;
        try
        {
            missed = tracer.MissedForEmptyPool;
        }
        catch (ObjectDisposedException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The traceloop recorder is not running."));
        }
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["containers"] = _service.Recorder?.Containers.Count ?? 0,
            ["bytesPerContainer"] = tracer.BytesPerContainer,
            ["missedForEmptyPool"] = missed,
        };
        return Task.FromResult(missed == 0
            ? HealthCheckResult.Healthy("The traceloop recorder is attached.", data)
            : HealthCheckResult.Degraded($"{missed} syscalls of new cgroups found no spare ring and went unrecorded (raise Tracer:SpareRings).", data: data));
    }
}
