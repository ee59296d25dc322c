using Gadget.Containers;
using Microsoft.Extensions.Logging;

namespace Gadget.Gadgets;

/// <summary>PROVISIONAL (replaced by branch gadgets' GadgetOptions on merge).</summary>
public sealed class GadgetOptions
{
    /// <summary>Containers.</summary>
    public ContainerCollection? Containers { get; init; }

    /// <summary>Selector.</summary>
    public ContainerSelector? Selector { get; init; }

    /// <summary>Logger.</summary>
    public ILogger? Logger { get; init; }
}
