namespace Gadget.Agent;

/// <summary>
/// The body of <c>POST /traces</c>: the containers to record (<see cref="SelectorRequest"/>'s fields) and how
/// (<c>{"name":"web","exitTimestamps":true}</c>). Unknown fields and values of the wrong type are refused (400).
/// </summary>
public sealed record TraceRequest : SelectorRequest
{
    /// <summary>
    /// Read the clock at the exit of every recorded syscall (<see cref="Gadget.Traceloop.TraceloopOptions.ExitTimestamps"/>;
    /// the client's <c>traceloop start --exit-timestamps</c>): every call that returned has its <c>exit_timestamp_ns</c>.
    /// Off (the default), only the calls whose thread was switched out have one. Such traces are recorded by a second
    /// tracer of the agent's, loaded at the first of them (its own BPF programs and spare rings).
    /// </summary>
    public bool ExitTimestamps { get; init; }
}
