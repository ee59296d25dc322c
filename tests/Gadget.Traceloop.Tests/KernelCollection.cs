namespace Gadget.Traceloop.Tests;

/// <summary>The tests that load BPF programs and start processes and containers: one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KernelCollection
{
    internal const string Name = "kernel";
}
