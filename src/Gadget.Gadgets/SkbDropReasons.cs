namespace Gadget.Gadgets;

/// <summary>
/// The names of the running kernel's drop reasons (<c>enum skb_drop_reason</c>), read once from its BTF
/// (/sys/kernel/btf/vmlinux): the numbers change from one kernel version to the next, so no table is built in.
/// </summary>
internal static class SkbDropReasons
{
    private const string Prefix = "SKB_DROP_REASON_";
    private static readonly Lazy<IReadOnlyDictionary<long, string>> Names = new(Load);

    /// <summary>The reason's name without its prefix (NO_SOCKET...), or its number when the kernel's BTF does not name it.</summary>
    public static string Name(long reason) =>
        Names.Value.TryGetValue(reason, out var name) ? name : reason.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The reasons' names without their prefix, in the kernel's order (empty when its BTF cannot be read).</summary>
    public static IReadOnlyList<string> All => [.. Names.Value.OrderBy(p => p.Key).Select(p => p.Value)];

    /// <summary>The names of <paramref name="btf"/>'s <c>enum skb_drop_reason</c>, prefix removed (empty when it has none).</summary>
    internal static Dictionary<long, string> FromBtf(ReadOnlySpan<byte> btf)
    {
        var names = new Dictionary<long, string>();
        foreach (var (value, name) in BtfEnumReader.Read(btf, "skb_drop_reason") ?? [])
        {
            names[value] = name.StartsWith(Prefix, StringComparison.Ordinal) ? name[Prefix.Length..] : name;
        }
        return names;
    }

    private static IReadOnlyDictionary<long, string> Load()
    {
        try
        {
            return FromBtf(File.ReadAllBytes("/sys/kernel/btf/vmlinux"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return new Dictionary<long, string>();
        }
    }
}
