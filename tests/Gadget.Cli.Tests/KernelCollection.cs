namespace Gadget.Cli.Tests;

/// <summary>Tests that load BPF programs run one at a time (the machine is shared and small).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KernelCollection
{
    public const string Name = "kernel";
}
