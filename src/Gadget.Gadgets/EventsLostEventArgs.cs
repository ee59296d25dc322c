namespace Gadget.Gadgets;

/// <summary>
/// Events the kernel could not hand over (the gadget's ring buffer was full when they happened), noticed while
/// <c>ReadAsync</c> was reading: see the gadgets' <c>EventsLost</c> event.
/// </summary>
public sealed class EventsLostEventArgs : EventArgs
{
    /// <summary>Creates the report.</summary>
    /// <param name="count">Events lost since the previous report.</param>
    /// <param name="total">Events lost since the gadget started.</param>
    public EventsLostEventArgs(ulong count, ulong total)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, total);
        Count = count;
        Total = total;
    }

    /// <summary>Events lost since the previous report (at least 1).</summary>
    public ulong Count { get; }

    /// <summary>Events lost since the gadget started (the gadget's <c>LostEvents</c> when this was noticed).</summary>
    public ulong Total { get; }
}
