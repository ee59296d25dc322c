using Gadget.Containers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gadget.Hosting;

/// <summary>Registers Gadget in a host's services: one shared <see cref="ContainerCollection"/>, options, health checks.</summary>
public static class GadgetServiceCollectionExtensions
{
    /// <summary>
    /// Adds what every Gadget component of the host shares: one <see cref="ContainerCollection"/> (a singleton, loaded when the
    /// host starts; its diagnostics through <see cref="ILogger{TCategoryName}"/>, pod labels from an <see cref="IPodMetadataSource"/>
    /// service when one is registered), <see cref="GadgetHostingOptions"/> bound from <paramref name="configuration"/> and
    /// validated when the host starts, and the health checks <c>gadget-environment</c> (kernel BTF, libbpf, privileges) and
    /// <c>gadget-programs</c> (the collection's and the gadgets' BPF programs attached), tagged <c>gadget</c>. Calling it
    /// again (as <c>AddTraceloop</c> does) adds nothing twice, and the builder it returns binds from the first call's configuration.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The <c>Gadget</c> section (<c>builder.Configuration.GetSection("Gadget")</c>); null: defaults and <paramref name="configure"/> only.</param>
    /// <param name="configure">Changes the options after binding.</param>
    /// <returns>A builder to add gadgets with (<see cref="GadgetBuilderExtensions"/>).</returns>
    public static IGadgetBuilder AddGadget(this IServiceCollection services, IConfiguration? configuration = null, Action<GadgetHostingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<GadgetHostingOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration);
        }
        if (configure is not null)
        {
            options.Configure(configure);
        }
        if (services.FirstOrDefault(d => d.ServiceType == typeof(GadgetRegistry))?.ImplementationInstance is GadgetRegistry existing)
        {
            // Added already (e.g. AddTraceloop(services) after AddGadget(configuration)): the same configuration serves both.
            return new GadgetBuilder(services, configuration ?? existing.Configuration);
        }
        options.ValidateOnStart();
        services.AddSingleton<IValidateOptions<GadgetHostingOptions>, GadgetHostingOptionsValidator>();
        services.AddSingleton(new GadgetRegistry(configuration));
        services.TryAddSingleton(provider =>
        {
            var settings = provider.GetRequiredService<IOptions<GadgetHostingOptions>>().Value;
            var logger = (provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger<ContainerCollection>();
            return new ContainerCollection(settings.Containers.ToOptions(logger, provider.GetService<IPodMetadataSource>()));
        });
        // Before any other hosted service of the host that uses the collection: registered first.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, GadgetStartupService>());
        services.AddHealthChecks()
            .AddCheck<GadgetEnvironmentHealthCheck>("gadget-environment", tags: ["gadget"])
            .AddCheck<GadgetProgramsHealthCheck>("gadget-programs", tags: ["gadget"]);
        return new GadgetBuilder(services, configuration);
    }
}
