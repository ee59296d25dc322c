namespace Gadget.Agent.Tests;

/// <summary>Tests that start agents as processes of their own (each loads BPF programs), and tests that count this process's
/// descriptors: one at a time.</summary>
[CollectionDefinition("agent processes", DisableParallelization = true)]
public sealed class AgentProcessCollection
{
}
