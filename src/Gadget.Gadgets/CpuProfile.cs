namespace Gadget.Gadgets;

/// <summary>What a <see cref="CpuProfiler"/> sampled: its distinct stacks, the most sampled first.</summary>
public sealed class CpuProfile
{
    /// <summary>How long it sampled.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Samples per second on each CPU.</summary>
    public required int Frequency { get; init; }

    /// <summary>The distinct stacks (per process, thread name and symbolised frames), the most sampled first.</summary>
    public required IReadOnlyList<CpuProfileStack> Stacks { get; init; }

    /// <summary>The samples of all <see cref="Stacks"/>.</summary>
    public long TotalSamples => Stacks.Sum(s => s.Samples);

    /// <summary>Samples not counted because the kernel's count map was full (10240 distinct process/stack pairs).</summary>
    public required ulong DroppedSamples { get; init; }

    /// <summary>Stacks the kernel could not keep (its stack map full, or two stacks' hashes collided): shown as <c>[missed ... stack]</c>.</summary>
    public required ulong LostStacks { get; init; }

    /// <summary>
    /// /proc/kallsyms gave this process only zero addresses (<c>kernel.kptr_restrict</c>, not root): kernel frames are
    /// <c>[unknown]</c>.
    /// </summary>
    public required bool KernelAddressesHidden { get; init; }

    /// <summary>
    /// The folded stacks ("comm;frame;...;frame COUNT", the outermost frame first), one line per distinct text (stacks
    /// of different processes with one comm add up), the most sampled first: flamegraph.pl's and speedscope's input.
    /// </summary>
    public IEnumerable<string> FoldedLines() =>
        Stacks.GroupBy(s => s.Folded, StringComparer.Ordinal)
            .Select(g => (Text: g.Key, Count: g.Sum(s => s.Samples)))
            .OrderByDescending(l => l.Count)
            .ThenBy(l => l.Text, StringComparer.Ordinal)
            .Select(l => $"{l.Text} {l.Count}");
}
