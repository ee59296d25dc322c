using System.Text;
using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// One real command run once, watched by traceloop (its cgroup's ring) and by strace (<c>strace -f</c>, which the command runs
/// under) at the same time: the same syscalls with the same values, no run-to-run differences to normalise. Our formatter's line
/// for each recorded syscall is compared with strace's, thread by thread.
/// </summary>
internal static class StraceSweep
{
    /// <summary>What one command gave: strace's lines, how many of them traceloop printed identically, and examples of the others.</summary>
    internal sealed record Result(string Command, int StraceLines, int Identical, int Missing, int Extra, IReadOnlyList<(string Strace, string Ours)> Differences)
    {
        /// <summary>Recorded syscalls whose JSON object spells another line than the text formatter (should be none).</summary>
        public IReadOnlyList<string> JsonDisagreements { get; init; } = [];

        /// <summary>strace's lines that traceloop did not print identically (different text, or no such syscall recorded).</summary>
        public int Differing => StraceLines - Identical;
    }

    /// <summary>Runs <paramref name="command"/> under strace inside a traced cgroup and compares the two.</summary>
    internal static async Task<Result> RunAsync(TraceloopTracer tracer, SyscallFormatter formatter, string name, string[] command)
    {
        var output = Path.Combine(Path.GetTempPath(), $"traceloop-sweep-{Guid.NewGuid():N}.txt");
        try
        {
            List<SyscallRecord> recorded;
            string[] arguments = ["-f", "-n", "-qq", "-a0", "-s", formatter.Options.StringLimit.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", output, "--", .. command];
            await using (var traced = TracedCommand.Start(tracer, "strace", arguments, redirectOutput: true, pagesPerCpu: 2048))
            {
                var stdout = traced.Process.StandardOutput.ReadToEndAsync();
                var stderr = traced.Process.StandardError.ReadToEndAsync();
                await traced.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
                await Task.WhenAll(stdout, stderr);
                recorded = [.. traced.Dump()];
            }
            return Compare(name, StraceLine.ParseAll(File.ReadLines(output)), recorded, formatter);
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>Thread by thread, aligns strace's syscalls with the recorded ones (by syscall number) and compares the lines.</summary>
    internal static Result Compare(string name, IReadOnlyList<StraceLine> strace, IReadOnlyList<SyscallRecord> recorded, SyscallFormatter formatter)
    {
        int identical = 0, missing = 0, extra = 0;
        var differences = new List<(string, string)>();
        var json = new SyscallJsonFormatter(formatter);
        var disagreements = new List<string>();
        foreach (var thread in strace.GroupBy(l => l.Pid))
        {
            var theirs = thread.ToList();
            var ours = recorded.Where(r => r.ThreadId == thread.Key).ToList();
            // strace follows its child from the command's execve on; what the child did before (strace's own code) is left out.
            if (theirs.Count > 0 && theirs[0].Name is "execve" or "execveat")
            {
                int exec = ours.FindIndex(r => r.Number == theirs[0].Number && r.ReturnValue == 0);
                ours = exec < 0 ? [] : ours[exec..];
            }
            int i = 0, j = 0;
            while (i < theirs.Count)
            {
                if (j >= ours.Count)
                {
                    missing += theirs.Count - i;
                    differences.AddRange(theirs.Skip(i).Select(l => (Text(l), "(not recorded)")));
                    break;
                }
                if (ours[j].Number != theirs[i].Number)
                {
                    // Resynchronise: the nearest next match on either side (a syscall one side did not see).
                    int skipOurs = Next(ours, j, theirs[i].Number);
                    int skipTheirs = NextStrace(theirs, i, ours[j].Number);
                    if (skipOurs >= 0 && (skipTheirs < 0 || skipOurs - j <= skipTheirs - i))
                    {
                        extra += skipOurs - j;
                        j = skipOurs;
                    }
                    else if (skipTheirs >= 0)
                    {
                        missing += skipTheirs - i;
                        differences.AddRange(theirs.Skip(i).Take(skipTheirs - i).Select(l => (Text(l), "(not recorded)")));
                        i = skipTheirs;
                    }
                    else
                    {
                        missing++;
                        differences.Add((Text(theirs[i]), "(not recorded)"));
                        i++;
                    }
                    continue;
                }
                if (DecodingJsonAgreement.Disagreement(json, ours[j]) is { } disagreement)
                {
                    disagreements.Add(disagreement);
                }
                string expected = Text(theirs[i]);
                string actual = Normalise(formatter.Format(ours[j]));
                if (expected == actual)
                {
                    identical++;
                }
                else
                {
                    differences.Add((expected, actual));
                }
                i++;
                j++;
            }
            extra += Math.Max(0, ours.Count - j);
        }
        return new Result(name, strace.Count, identical, missing, extra, differences) { JsonDisagreements = disagreements };
    }

    private static int Next(List<SyscallRecord> records, int from, int number)
    {
        for (int k = from; k < records.Count && k < from + 50; k++)
        {
            if (records[k].Number == number)
            {
                return k;
            }
        }
        return -1;
    }

    private static int NextStrace(List<StraceLine> lines, int from, int number)
    {
        for (int k = from; k < lines.Count && k < from + 50; k++)
        {
            if (lines[k].Number == number)
            {
                return k;
            }
        }
        return -1;
    }

    // One spelling for both sides: arguments split at top-level commas and joined with ", " (strace's resumed lines are joined
    // from two pieces), the return text as printed.
    private static string Text(StraceLine line) => $"{line.Name}({string.Join(", ", line.Arguments)}) = {line.Return}";

    private static string Normalise(string ours)
    {
        int open = ours.IndexOf('(');
        int close = ours.LastIndexOf(") = ", StringComparison.Ordinal);
        if (open < 0 || close < open)
        {
            return ours;
        }
        return $"{ours[..open]}({string.Join(", ", StraceLine.SplitArguments(ours[(open + 1)..close]))}) = {ours[(close + 4)..]}";
    }

    /// <summary>The report: one line per command, then the differing lines grouped by syscall.</summary>
    internal static string Report(IReadOnlyList<Result> results)
    {
        var text = new StringBuilder();
        foreach (var r in results)
        {
            text.Append(r.Command.PadRight(28)).Append($" {r.Identical,5} of {r.StraceLines,5} identical, {r.Differing,4} differing ({r.Missing} not recorded), {r.Extra} recorded only by traceloop\n");
        }
        foreach (var group in results.SelectMany(r => r.Differences).GroupBy(d => d.Strace[..Math.Max(0, d.Strace.IndexOf('('))]).OrderByDescending(g => g.Count()))
        {
            text.Append($"-- {group.Key}: {group.Count()} differing\n");
            foreach (var (strace, ours) in group.Take(3))
            {
                text.Append("   strace: ").Append(strace).Append('\n').Append("   ours:   ").Append(ours).Append('\n');
            }
        }
        return text.ToString();
    }
}
