namespace Gadget.Gadgets.Tests;

/// <summary>The gadget tests share the kernel's tracepoints and runc: they run one at a time.</summary>
[CollectionDefinition("gadgets", DisableParallelization = true)]
public sealed class GadgetsCollection
{
}
