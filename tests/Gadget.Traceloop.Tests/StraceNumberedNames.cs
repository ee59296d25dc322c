using System.Globalization;
using System.Text.RegularExpressions;
using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// What <c>strace -n</c> calls each syscall number (its lines start <c>[ NR] name(</c>), and where a syscall table's names
/// differ from it: the independent source the generated tables are checked against.
/// </summary>
internal static partial class StraceNumberedNames
{
    /// <summary>The name strace printed for each number in <paramref name="lines"/> (the last one when a number repeats).</summary>
    public static Dictionary<int, string> Read(IEnumerable<string> lines)
    {
        var seen = new Dictionary<int, string>();
        foreach (var line in lines)
        {
            var match = NumberedLine().Match(line);
            if (match.Success)
            {
                seen[int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)] = match.Groups[2].Value;
            }
        }
        return seen;
    }

    /// <summary>One line per number strace did not show or named otherwise than <paramref name="table"/>.</summary>
    public static List<string> Mismatches(SyscallTable table, IEnumerable<int> numbers, IReadOnlyDictionary<int, string> seen)
    {
        var wrong = new List<string>();
        foreach (int number in numbers)
        {
            if (!seen.TryGetValue(number, out var straceName))
            {
                wrong.Add($"{number}: strace did not show it");
            }
            else if (straceName != table.GetName(number))
            {
                wrong.Add($"{number}: ours {table.GetName(number)}, strace {straceName}");
            }
        }
        return wrong;
    }

    [GeneratedRegex(@"^\[\s*(\d+)\] (\w+)\(")]
    private static partial Regex NumberedLine();
}
