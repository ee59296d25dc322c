using Gadget.Containers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gadget.Hosting;

/// <summary>
/// Loads the shared container collection and the registered gadgets when the host starts, so that a missing privilege or
/// kernel feature stops the start with the reason (the services are singletons: the DI container disposes them at the end).
/// </summary>
internal sealed class GadgetStartupService(IServiceProvider services, IOptions<GadgetHostingOptions> options, GadgetRegistry registry, IEnumerable<GadgetRegistration> gadgets, ILoggerFactory? loggerFactory = null) : IHostedService
{
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Gadget.Hosting");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.StartContainersWithHost)
        {
            var containers = services.GetRequiredService<ContainerCollection>();
            _logger.LogInformation("Following containers: {Count} running, early detection {Early}.", containers.Containers.Count, containers.IsEarlyDetectionActive ? "on" : "off");
        }
        foreach (var (name, type) in gadgets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                services.GetRequiredService(type);
            }
            catch (Exception error)
            {
                registry.Failed(name, error);
                throw;
            }
            _logger.LogInformation("Gadget {Gadget} attached.", name);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
