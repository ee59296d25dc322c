namespace Gadget.Agent.Tests;

/// <summary>An agent pod of <see cref="FakeClusterApiServer"/>: where it runs and which loopback port its agent answers on.</summary>
internal sealed record FakePod(string Namespace, string Name, string Node, int AgentPort, string Phase, Dictionary<string, string> Labels);
