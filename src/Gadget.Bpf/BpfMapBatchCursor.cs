namespace Gadget.Bpf;

/// <summary>
/// Where a batch walk of a map stands; start with <c>default</c> and pass it back (by <c>ref</c>) to each call.
/// The kernel's token is a bucket index for hash maps and the last key read for arrays and other maps; a token that
/// does not fit in 8 bytes (maps with larger keys) is kept in an array allocated once per walk.
/// </summary>
public readonly struct BpfMapBatchCursor
{
    internal BpfMapBatchCursor(ulong token, byte[]? largeToken)
    {
        Token = token;
        LargeToken = largeToken;
        Started = true;
    }

    internal ulong Token { get; }

    internal byte[]? LargeToken { get; }

    internal bool Started { get; }
}
