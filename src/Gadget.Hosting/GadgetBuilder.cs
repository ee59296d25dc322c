using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gadget.Hosting;

internal sealed class GadgetBuilder(IServiceCollection services, IConfiguration? configuration) : IGadgetBuilder
{
    public IServiceCollection Services { get; } = services;

    public IConfiguration? Configuration { get; } = configuration;
}
