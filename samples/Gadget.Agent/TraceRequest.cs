namespace Gadget.Agent;

/// <summary>
/// The body of <c>POST /traces</c>: the containers to record (<see cref="SelectorRequest"/>'s fields) and how
/// (<c>{"name":"web","exitTimestamps":true}</c>). Unknown fields and values of the wrong type are refused (400).
/// </summary>
public sealed record TraceRequest : SelectorRequest
{
    /// <summary>
    /// Read the clock at the exit of every recorded syscall (<see cref="Gadget.Traceloop.ContainerRecorder.ExitTimestamps"/>;
    /// the client's <c>traceloop start --exit-timestamps</c>): every call that returned has its <c>exit_timestamp_ns</c>.
    /// Off (the default), only the calls whose thread was switched out have one, unless another trace with it records the
    /// same container (they share its ring).
    /// </summary>
    public bool ExitTimestamps { get; init; }
}
