namespace Gadget.Client;

/// <summary>One node's answer to a request through the cluster: its rendering (with the node in it), or why there is none.</summary>
/// <param name="Node">The node.</param>
/// <param name="Rendered">The answer as printed (text with a NODE column, JSON with <c>k8s.node</c>); empty when <paramref name="Problem"/> is set.</param>
/// <param name="Items">For a JSON array answer: its elements, each with <c>k8s.node</c>.</param>
/// <param name="Problem">Why the node gave no answer (its refusal, or no answer at all); null when it answered.</param>
/// <param name="Absent">Whether the refusal only means "not on this node" (a container's history: 404).</param>
internal sealed record NodeAnswer(string Node, string Rendered, IReadOnlyList<System.Text.Json.Nodes.JsonNode?> Items, string? Problem, bool Absent);
