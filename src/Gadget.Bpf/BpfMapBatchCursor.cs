namespace Gadget.Bpf;

/// <summary>Where a batch walk of a map stands; start with <c>default</c>, pass it back to each call.</summary>
public readonly struct BpfMapBatchCursor
{
    internal BpfMapBatchCursor(ulong token, bool started)
    {
        Token = token;
        Started = started;
    }

    internal ulong Token { get; }

    internal bool Started { get; }
}
