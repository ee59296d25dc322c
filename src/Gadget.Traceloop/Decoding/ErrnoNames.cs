namespace Gadget.Traceloop.Decoding;

/// <summary>errno names (<c>ENOENT</c>) and the descriptions strace prints next to them (glibc's strerror texts).</summary>
public static class ErrnoNames
{
    private static readonly string?[] Names;
    private static readonly string?[] Descriptions;

    static ErrnoNames()
    {
        var entries = ErrnoTableData.Entries;
        int size = entries[^1].Number + 1;
        Names = new string?[size];
        Descriptions = new string?[size];
        foreach (var (number, name, description) in entries)
        {
            Names[number] = name;
            Descriptions[number] = description;
        }
    }

    /// <summary>The name of errno <paramref name="errno"/> (positive), or <c>null</c> when unknown.</summary>
    public static string? GetName(int errno) => (uint)errno < (uint)Names.Length ? Names[errno] : null;

    /// <summary>strace's description of errno <paramref name="errno"/> (positive), or <c>null</c> when unknown.</summary>
    public static string? GetDescription(int errno) => (uint)errno < (uint)Descriptions.Length ? Descriptions[errno] : null;

    /// <summary>Whether <paramref name="errno"/> is one of the kernel-internal restart codes (ERESTARTSYS and friends), which strace shows as <c>? ERESTARTSYS (...)</c>.</summary>
    public static bool IsRestart(int errno) => errno is 512 or 513 or 514 or 516;
}
