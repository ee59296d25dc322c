namespace Gadget.Agent;

/// <summary>The command line is wrong (unknown flag, missing value, TCP without TLS): the agent exits with 2.</summary>
public sealed class AgentUsageException(string message) : Exception(message);
