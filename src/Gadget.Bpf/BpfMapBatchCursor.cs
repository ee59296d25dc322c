namespace Gadget.Bpf;

/// <summary>
/// Where a batch walk of a map stands; start with <c>default</c> and pass it back (by <c>ref</c>) to each call.
/// The kernel's token is a bucket index for hash maps and the last key read for arrays and other maps; a token that
/// does not fit in 8 bytes (maps with larger keys) is kept in an array allocated once per walk. A cursor walks one map:
/// passed to a map of another type or key size it is refused (<see cref="ArgumentException"/>).
/// </summary>
public readonly struct BpfMapBatchCursor
{
    internal BpfMapBatchCursor(ulong token, byte[]? largeToken, BpfMapType mapType, int keySize)
    {
        Token = token;
        LargeToken = largeToken;
        MapType = mapType;
        KeySize = keySize;
        Started = true;
    }

    internal ulong Token { get; }

    internal byte[]? LargeToken { get; }

    /// <summary>The type of the map the walk is of (what the token means).</summary>
    internal BpfMapType MapType { get; }

    /// <summary>The key size of the map the walk is of: the kernel reads and writes a token of this size for key tokens.</summary>
    internal int KeySize { get; }

    internal bool Started { get; }
}
