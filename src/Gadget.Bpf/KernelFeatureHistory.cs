using System.Text.RegularExpressions;

namespace Gadget.Bpf;

/// <summary>
/// Which kernel release added a BPF helper or map type, to say so when a kernel lacks it: a verifier that does not know a
/// helper, a map type the kernel refuses. Only what BPF programs commonly call is listed; others are named by id.
/// </summary>
internal static partial class KernelFeatureHistory
{
    private static readonly Dictionary<int, (string Name, string Linux)> Helpers = new()
    {
        [125] = ("bpf_ktime_get_boot_ns", "5.8"),
        [130] = ("bpf_ringbuf_output", "5.8"),
        [131] = ("bpf_ringbuf_reserve", "5.8"),
        [132] = ("bpf_ringbuf_submit", "5.8"),
        [133] = ("bpf_ringbuf_discard", "5.8"),
        [134] = ("bpf_ringbuf_query", "5.8"),
        [158] = ("bpf_get_current_task_btf", "5.11"),
        [160] = ("bpf_ktime_get_coarse_ns", "5.11"),
        [164] = ("bpf_for_each_map_elem", "5.13"),
        [173] = ("bpf_get_func_ip", "5.15"),
        [175] = ("bpf_task_pt_regs", "5.15"),
        [180] = ("bpf_find_vma", "5.17"),
        [181] = ("bpf_loop", "5.17"),
    };

    private static readonly Dictionary<BpfMapType, string> MapTypes = new()
    {
        [BpfMapType.Queue] = "4.20",
        [BpfMapType.Stack] = "4.20",
        [BpfMapType.RingBuffer] = "5.8",
        [BpfMapType.BloomFilter] = "5.16",
        [BpfMapType.UserRingBuffer] = "6.1",
    };

    /// <summary>
    /// The helper a verifier log says it does not know ("unknown func bpf_loop#181", or "invalid func unknown#181" from
    /// kernels older than the helper's id), with the release that added it when known.
    /// </summary>
    public static bool TryFindUnknownHelper(string verifierLog, out string helper, out string? linux)
    {
        var match = UnknownHelper().Match(verifierLog);
        if (!match.Success)
        {
            helper = string.Empty;
            linux = null;
            return false;
        }
        var id = int.Parse(match.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture);
        var known = Helpers.TryGetValue(id, out var entry);
        helper = known ? entry.Name : match.Groups["name"].Value is { Length: > 0 } name && name != "unknown" ? name : $"BPF helper #{id}";
        linux = known ? entry.Linux : null;
        return true;
    }

    /// <summary>The release that added <paramref name="type"/>, when known.</summary>
    public static string? MapTypeAddedIn(BpfMapType type) => MapTypes.GetValueOrDefault(type);

    [GeneratedRegex(@"(?:unknown|invalid) func (?<name>\w+)#(?<id>\d+)")]
    private static partial Regex UnknownHelper();
}
