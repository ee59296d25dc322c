using System.Buffers;
using System.Globalization;
using System.Text;
using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>
/// One distinct stack of a <see cref="CpuProfile"/>: a process's thread name, its symbolised kernel and user frames
/// and how many samples found it there.
/// </summary>
public sealed class CpuProfileStack
{
    /// <summary>The process id (thread group id) sampled.</summary>
    public required int Pid { get; init; }

    /// <summary>The sampled thread's name (comm).</summary>
    public required string Comm { get; init; }

    /// <summary>The cgroup the thread was in.</summary>
    public required ulong CgroupId { get; init; }

    /// <summary>The container of <see cref="CgroupId"/>, when known.</summary>
    public Container? Container { get; init; }

    /// <summary>Samples that found this stack.</summary>
    public required long Samples { get; init; }

    /// <summary>
    /// The kernel frames, the innermost (where the CPU was) first: function names from /proc/kallsyms, <c>[unknown]</c>
    /// where none is found (every frame, when kptr_restrict hides the kernel's addresses). Empty when the sample hit
    /// user mode or kernel stacks were not taken.
    /// </summary>
    public required IReadOnlyList<string> KernelFrames { get; init; }

    /// <summary>
    /// The user frames, the innermost first: ELF function symbols, JIT-compiled methods from the process's perf map,
    /// <c>[module+0xOFFSET]</c> or <c>[unknown]</c>. Empty for a kernel thread or when user stacks were not taken.
    /// Code built without frame pointers gives short stacks (the kernel walks frame pointers).
    /// </summary>
    public required IReadOnlyList<string> UserFrames { get; init; }

    /// <summary>
    /// The stack as a folded line without its count, as flamegraph.pl and speedscope read it: the comm, the user frames
    /// from the outermost, then the kernel frames from the outermost with the suffix <c>_[k]</c>, separated by ';'.
    /// </summary>
    public string Folded
    {
        get
        {
            var parts = new List<string>(1 + UserFrames.Count + KernelFrames.Count) { Clean(Comm) };
            for (var i = UserFrames.Count - 1; i >= 0; i--)
            {
                parts.Add(Clean(UserFrames[i]));
            }
            for (var i = KernelFrames.Count - 1; i >= 0; i--)
            {
                parts.Add(Clean(KernelFrames[i]) + "_[k]");
            }
            return string.Join(';', parts);
        }
    }

    // ';' separates frames in the folded format and a line ends with " COUNT": a frame holds neither ';' nor a line break.
    // Names are the sampled process's choice (its comm, its symbols, its perf map): no control character of theirs reaches
    // the terminal or file the lines go to either (C0, DEL and C1 are written as \xNN).
    private static string Clean(string frame)
    {
        if (frame.AsSpan().IndexOfAny(FoldedSpecial) < 0)
        {
            return frame;
        }
        var clean = new StringBuilder(frame.Length + 8);
        foreach (var c in frame)
        {
            if (c == ';')
            {
                clean.Append(':');
            }
            else if (char.IsControl(c))
            {
                clean.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                clean.Append(c);
            }
        }
        return clean.ToString();
    }

    private static readonly SearchValues<char> FoldedSpecial = SearchValues.Create(
        ";" + new string([.. Enumerable.Range(0, 0xa0).Where(c => char.IsControl((char)c)).Select(c => (char)c)]));
}
