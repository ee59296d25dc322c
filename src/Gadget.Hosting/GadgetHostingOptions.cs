namespace Gadget.Hosting;

/// <summary>The host-wide settings of Gadget (bound from the <c>Gadget</c> section by <see cref="GadgetServiceCollectionExtensions.AddGadget"/>).</summary>
public sealed class GadgetHostingOptions
{
    /// <summary>The configuration section these options are read from by default: <c>Gadget</c>.</summary>
    public const string SectionName = "Gadget";

    /// <summary>How the shared container collection finds containers.</summary>
    public ContainerCollectionSettings Containers { get; set; } = new();

    /// <summary>
    /// Load the shared container collection (and its BPF program) when the host starts, so a missing privilege or kernel
    /// feature stops the start with the reason, rather than the first request that needs it. Default: true.
    /// </summary>
    public bool StartContainersWithHost { get; set; } = true;
}
