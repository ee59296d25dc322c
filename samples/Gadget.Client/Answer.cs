namespace Gadget.Client;

/// <summary>What an agent's successful answer is, and so how the nodes' answers are merged (<see cref="ClusterOutput"/>).</summary>
internal enum Answer
{
    /// <summary>Text lines (a strace-like history): a NODE column first.</summary>
    Text,

    /// <summary>A JSON array (traces, containers): one array, each element with <c>k8s.node</c>.</summary>
    JsonArray,

    /// <summary>JSON lines (a history in JSON): each line with <c>k8s.node</c>.</summary>
    JsonLines,

    /// <summary><c>{"id":...}</c> of a started trace: the id; NODE and ID columns through the cluster.</summary>
    TraceId,

    /// <summary>Nothing to print (a stopped trace).</summary>
    None,
}
