namespace Gadget.Gadgets;

/// <summary>Receives exec records in place from <see cref="ExecSnoop.Consume{THandler}(ref THandler)"/>: implement it on a struct for a call without allocation or indirection.</summary>
public interface IExecEventHandler
{
    /// <summary>Called for each exec record; <paramref name="exec"/> is valid only during the call.</summary>
    /// <param name="exec">The record, read in place in the ring buffer.</param>
    void OnEvent(in ExecEventView exec);
}
