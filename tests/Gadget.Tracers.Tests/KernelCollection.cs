namespace Gadget.Tracers.Tests;

/// <summary>The tests load BPF programs and run containers: one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KernelCollection
{
    internal const string Name = "kernel";
}
