using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Gadget.Traceloop.Decoding;

/// <summary>
/// Which syscalls to print, as strace's <c>-e trace=SET</c> says: comma-separated syscall names, classes (<c>%file</c>,
/// <c>%desc</c>, <c>%process</c>, <c>%network</c>, <c>%signal</c>, <c>%ipc</c>, <c>%memory</c>, <c>%creds</c>,
/// <c>%clock</c>, <c>%pure</c>, <c>%stat</c>, <c>%lstat</c>, <c>%fstat</c>, <c>%%stat</c>, <c>%statfs</c>,
/// <c>%fstatfs</c>, <c>%%statfs</c>, with strace's membership), <c>/REGEX</c> (names it matches), <c>all</c> and
/// <c>none</c>; a leading <c>!</c> negates the whole set, and <c>?</c> before an item lets it name nothing known. A filter
/// chooses what is printed only (<see cref="SyscallHistoryWriter"/>): it does not change what is recorded. Immutable.
/// </summary>
public sealed class SyscallFilter
{
    private readonly FrozenSet<string> names;
    private readonly bool negated;

    private SyscallFilter(string expression, FrozenSet<string> names, bool negated)
    {
        Expression = expression;
        this.names = names;
        this.negated = negated;
    }

    /// <summary>Every syscall (strace's <c>trace=all</c>).</summary>
    public static SyscallFilter All { get; } = new("all", FrozenSet<string>.Empty, negated: true);

    /// <summary>The expression the filter was parsed from.</summary>
    public string Expression { get; }

    /// <summary>
    /// Parses <paramref name="expression"/> (<c>open,openat</c>, <c>!%memory</c>, <c>%file,%process</c>, ...; a leading
    /// <c>trace=</c> is taken off). Names are checked against <paramref name="table"/> (this machine's by default) and
    /// its 32-bit table.
    /// </summary>
    /// <exception cref="FormatException">The expression is empty, names a syscall or class that does not exist, or holds
    /// a regular expression that does not compile or that the linear-time engine cannot run (a backreference, a lookaround);
    /// the message is one line naming it. A regular expression is matched in time linear in the name: none can run long.</exception>
    public static SyscallFilter Parse(string expression, SyscallTable? table = null)
    {
        ArgumentNullException.ThrowIfNull(expression);
        table ??= SyscallTable.Current;
        var set = expression.StartsWith("trace=", StringComparison.Ordinal) ? expression["trace=".Length..] : expression;
        bool negated = set.StartsWith('!');
        if (negated)
        {
            set = set[1..];
        }
        if (set.Length == 0)
        {
            throw new FormatException($"'{expression}' names no syscall (give names, %classes, all or none).");
        }
        var known = KnownNames(table);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in set.Split(','))
        {
            bool optional = raw.StartsWith('?');
            var item = optional ? raw[1..] : raw;
            if (item.Length == 0)
            {
                throw new FormatException($"'{expression}' has an empty item.");
            }
            if (item == "all")
            {
                names.UnionWith(known);
            }
            else if (item == "none")
            {
            }
            else if (item.StartsWith('/'))
            {
                var regex = CompileRegex(item[1..], expression);
                names.UnionWith(known.Where(name => regex.IsMatch(name)));
            }
            else if ((item.StartsWith('%') && SyscallClasses.ByName.TryGetValue(item[1..], out var members))
                || (SyscallClasses.LegacyNames.Contains(item) && SyscallClasses.ByName.TryGetValue(item, out members)))
            {
                names.UnionWith(members);
            }
            else if (item.StartsWith('%'))
            {
                if (!optional)
                {
                    throw new FormatException($"unknown syscall class '{item}' (one of {string.Join(", ", SyscallClasses.ByName.Keys.Order(StringComparer.Ordinal).Select(c => "%" + c))}).");
                }
            }
            else if (known.Contains(item))
            {
                names.Add(item);
            }
            else if (!optional)
            {
                throw new FormatException($"unknown syscall '{item}'.");
            }
        }
        // Every known name: "all" is kept as the complement of nothing, so that numbers outside the table (syscall_0x1c3)
        // match it too, and "!all" as nothing.
        return names.IsSupersetOf(known) ? new(expression, FrozenSet<string>.Empty, negated: !negated)
            : new(expression, names.ToFrozenSet(StringComparer.Ordinal), negated);
    }

    /// <summary>Whether a syscall named <paramref name="name"/> (<see cref="SyscallTable.GetDisplayName(SyscallRecord)"/>) is printed.</summary>
    public bool Includes(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return names.Contains(name) != negated;
    }

    /// <inheritdoc />
    public override string ToString() => Expression;

    private static HashSet<string> KnownNames(SyscallTable table)
    {
        var known = new HashSet<string>(table.Syscalls.Select(s => s.Value), StringComparer.Ordinal);
        if (table.CompatTable is { } compat)
        {
            known.UnionWith(compat.Syscalls.Select(s => s.Value));
        }
        return known;
    }

    /// <summary>
    /// A regular expression matched in time linear in the name (<see cref="RegexOptions.NonBacktracking"/>): a pattern that
    /// backtracks catastrophically (<c>^(\w+)+X$</c>) took seconds per name and failed with a
    /// <see cref="RegexMatchTimeoutException"/>; what the engine cannot do (backreferences, lookarounds, atomic groups,
    /// conditionals, which strace's POSIX extended expressions lack too) or an automaton too large is a
    /// <see cref="FormatException"/> here.
    /// </summary>
    private static Regex CompileRegex(string pattern, string expression)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"'{expression}': the regular expression '{pattern}' does not compile ({OneLine(e.Message)}).", e);
        }
        catch (NotSupportedException e)
        {
            throw new FormatException($"'{expression}': the regular expression '{pattern}' is not supported: backreferences, lookarounds, atomic groups and conditionals are not, nor a pattern of too many states ({OneLine(e.Message)}).", e);
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
