namespace Gadget.Gadgets;

/// <summary>
/// Receives a gadget's records in place from <see cref="RingBufferViewGadget{TEvent, TView}.Consume{THandler}(ref THandler)"/>
/// (<see cref="ExecEventView"/>, <see cref="ExitEventView"/>, <see cref="SignalEventView"/>, <see cref="MountEventView"/>):
/// implement it on a struct for a call without allocation or indirection.
/// </summary>
/// <typeparam name="TView">The gadget's view of one record.</typeparam>
public interface IEventViewHandler<TView>
    where TView : allows ref struct
{
    /// <summary>Called for each record; <paramref name="view"/> is valid only during the call.</summary>
    /// <param name="view">The record, read in place in the ring buffer.</param>
    void OnEvent(in TView view);
}
