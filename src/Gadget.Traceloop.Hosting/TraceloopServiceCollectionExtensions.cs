using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Gadget.Traceloop.Hosting;

/// <summary>Registers the traceloop recorder in a host's services.</summary>
public static class TraceloopServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="TraceloopBackgroundService"/> (as itself and as a hosted service): while the host runs it records the
    /// selected containers and logs the syscall history of each one that crashes.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Sets what to record (<see cref="TraceloopHostingOptions"/>); <c>null</c> for every container.</param>
    /// <returns><paramref name="services"/>, to chain calls.</returns>
    public static IServiceCollection AddTraceloop(this IServiceCollection services, Action<TraceloopHostingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<TraceloopHostingOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }
        services.TryAddSingleton<TraceloopBackgroundService>();
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<TraceloopBackgroundService>());
        return services;
    }
}
