using Gadget.Containers;
using Gadget.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gadget.Traceloop.Hosting;

/// <summary>Registers the traceloop recorder in a host's services.</summary>
public static class TraceloopServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="TraceloopBackgroundService"/> (as itself and as a hosted service): while the host runs it records the
    /// selected containers of the host's shared <see cref="ContainerCollection"/> (added with
    /// <see cref="GadgetServiceCollectionExtensions.AddGadget"/> if it is not yet) and logs the syscall history of each one that
    /// crashes; the <c>traceloop</c> health check (tag <c>gadget</c>); options validated when the host starts.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Sets what to record (<see cref="TraceloopHostingOptions"/>); <c>null</c> for every container.</param>
    /// <returns><paramref name="services"/>, to chain calls.</returns>
    public static IServiceCollection AddTraceloop(this IServiceCollection services, Action<TraceloopHostingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddGadget().AddTraceloop(configure);
        return services;
    }

    /// <summary>
    /// Adds the traceloop recorder (see <see cref="AddTraceloop(IServiceCollection, Action{TraceloopHostingOptions})"/>) with its
    /// options bound from the <c>Traceloop</c> key of the builder's configuration section (<c>Gadget:Traceloop</c>).
    /// </summary>
    /// <param name="builder">What <see cref="GadgetServiceCollectionExtensions.AddGadget"/> returned.</param>
    /// <param name="configure">Changes the options after binding.</param>
    /// <returns><paramref name="builder"/>, to chain calls.</returns>
    public static IGadgetBuilder AddTraceloop(this IGadgetBuilder builder, Action<TraceloopHostingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<TraceloopHostingOptions>();
        if (builder.Configuration is { } configuration)
        {
            var section = configuration.GetSection("Traceloop");
            options.Configure(o =>
            {
                var settings = new TraceloopSettings();
                try
                {
                    // A key this section does not have (a typo, a setting of another version) stops the start: it was ignored.
                    section.Bind(settings, binder => binder.ErrorOnUnknownConfiguration = true);
                }
                catch (InvalidOperationException e)
                {
                    throw new InvalidOperationException($"{section.Path}: {e.Message}", e);
                }
                settings.ApplyTo(o);
            });
        }
        if (configure is not null)
        {
            options.Configure(configure);
        }
        if (services.Any(d => d.ServiceType == typeof(TraceloopBackgroundService)))
        {
            return builder;
        }
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TraceloopHostingOptions>, TraceloopHostingOptionsValidator>());
        services.AddSingleton(provider => new TraceloopBackgroundService(
            provider.GetRequiredService<IOptions<TraceloopHostingOptions>>(),
            provider.GetRequiredService<ContainerCollection>(),
            provider.GetService<ILoggerFactory>()));
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<TraceloopBackgroundService>());
        services.AddHealthChecks().AddCheck<TraceloopHealthCheck>("traceloop", tags: ["gadget"]);
        return builder;
    }
}
