namespace Gadget.Gadgets;

/// <summary>Options of <see cref="ProcessSnapshot"/>.</summary>
public sealed class ProcessSnapshotOptions
{
    /// <summary>List every thread, not only each process (its thread group leader). Default false, as <c>ps</c>.</summary>
    public bool Threads { get; init; }
}
