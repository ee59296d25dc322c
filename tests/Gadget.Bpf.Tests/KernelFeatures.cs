using Gadget.Bpf;

namespace Gadget.Bpf.Tests;

/// <summary>
/// What the kernel under test can do, probed at run time (never guessed from its version number), and what it must be
/// able to do: <c>GADGET_EXPECTED_FEATURES</c> (set for each kernel by eng/kernel-matrix.sh, unset on an ordinary run)
/// lists features whose absence fails a test instead of skipping it or sending it down its "not supported" path.
/// Linked into the other test projects that need it.
/// </summary>
internal static class KernelFeatures
{
    internal const string RingBuffer = "ringbuf";
    internal const string TracingBtf = "tp_btf";
    internal const string Kprobe = "kprobe";
    internal const string Fentry = "fentry";
    internal const string CurrentTaskBtf = "task_btf";
    internal const string BloomFilter = "bloom_filter";
    internal const string Loop = "bpf_loop";
    internal const string SockLengthTracepoints = "tp_sock_send_length";
    internal const string KfreeSkbReason = "tp_kfree_skb_reason";

    /// <summary>Every feature name the matrix may list.</summary>
    internal static readonly string[] Known = [RingBuffer, TracingBtf, Kprobe, Fentry, CurrentTaskBtf, BloomFilter, Loop, SockLengthTracepoints, KfreeSkbReason];

    private const int HelperGetCurrentTaskBtf = 158;
    private const int HelperLoop = 181;

    /// <summary>The features GADGET_EXPECTED_FEATURES lists (empty outside the kernel matrix).</summary>
    internal static IReadOnlySet<string> Expected { get; } =
        (Environment.GetEnvironmentVariable("GADGET_EXPECTED_FEATURES") ?? string.Empty)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);

    /// <summary>Whether the running kernel has <paramref name="feature"/>, from Gadget.Bpf's probes. fentry has no probe:
    /// a test learns it by loading an fentry program and reports it with <see cref="Has"/>.</summary>
    internal static bool Probe(string feature) => feature switch
    {
        RingBuffer => BpfEnvironment.IsSupported(BpfMapType.RingBuffer),
        TracingBtf => BpfEnvironment.HasKernelBtf && BpfEnvironment.IsSupported(BpfProgramType.Tracing),
        Kprobe => BpfEnvironment.HasKprobes,
        CurrentTaskBtf => BpfEnvironment.IsHelperSupported(BpfProgramType.RawTracepoint, HelperGetCurrentTaskBtf),
        BloomFilter => BpfEnvironment.IsSupported(BpfMapType.BloomFilter),
        Loop => BpfEnvironment.IsHelperSupported(BpfProgramType.RawTracepoint, HelperLoop),
        SockLengthTracepoints => Directory.Exists(Path.Combine(BpfEnvironment.EnsureTracefs(), "events", "sock", "sock_send_length")),
        KfreeSkbReason => File.ReadAllText(Path.Combine(BpfEnvironment.EnsureTracefs(), "events", "skb", "kfree_skb", "format")).Contains(" reason;", StringComparison.Ordinal),
        _ => throw new ArgumentException($"no probe for '{feature}'", nameof(feature)),
    };

    /// <summary>
    /// Returns <paramref name="present"/> (what the test found out about <paramref name="feature"/>), after failing the
    /// test when the feature is missing on a kernel that must have it.
    /// </summary>
    internal static bool Has(string feature, bool present)
    {
        Assert.False(!present && Expected.Contains(feature),
            $"this kernel ({Environment.OSVersion.Version}) lacks '{feature}', which GADGET_EXPECTED_FEATURES says it has");
        return present;
    }

    /// <summary>Probes <paramref name="feature"/> and returns whether it is there (failing when expected and missing).</summary>
    internal static bool Has(string feature) => Has(feature, Probe(feature));

    /// <summary>Skips the calling [SkippableFact] when the kernel lacks <paramref name="feature"/>; fails when it must have it.</summary>
    internal static void Require(string feature)
    {
        if (!Has(feature))
        {
            throw new SkipException($"this kernel ({Environment.OSVersion.Version}) has no '{feature}' (probed)");
        }
    }
}
