namespace Gadget.Traceloop;

/// <summary>How much of a pointer argument's memory was captured.</summary>
public enum CaptureStatus
{
    /// <summary>All of it.</summary>
    Complete,

    /// <summary>Only the first bytes (the capture limit was reached).</summary>
    Truncated,

    /// <summary>Nothing: the memory could not be read (bad address, or not faulted in at entry nor at exit) and is shown as an address.</summary>
    Unreadable,
}
