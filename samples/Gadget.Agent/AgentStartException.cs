namespace Gadget.Agent;

/// <summary>The agent cannot start (another agent answers on its socket, the socket path is taken): it exits with 1.</summary>
public sealed class AgentStartException(string message, Exception? inner = null) : Exception(message, inner);
