using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gadget.Hosting;

/// <summary>What <see cref="GadgetServiceCollectionExtensions.AddGadget"/> returns: adds gadgets (<see cref="GadgetBuilderExtensions"/>) and more to the same host.</summary>
public interface IGadgetBuilder
{
    /// <summary>The host's services.</summary>
    IServiceCollection Services { get; }

    /// <summary>The <c>Gadget</c> configuration section the options are bound from, or null when none was given.</summary>
    IConfiguration? Configuration { get; }
}
