using System.CommandLine;

namespace Gadget.Client;

/// <summary>The agents a parsed command talks to: the one of <c>--agent</c>, or every selected node's through the cluster.</summary>
internal delegate Task<AgentTargets> Connector(ParseResult result, CancellationToken cancellationToken);
