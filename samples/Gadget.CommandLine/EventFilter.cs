using System.Text.RegularExpressions;

namespace Gadget.CommandLine;

/// <summary>
/// <c>--filter field==v,field!=v,field~regex</c> (as ig): every term must hold; a field is compared as its column text.
/// </summary>
public sealed class EventFilter
{
    private readonly FilterTerm[] _terms;

    private EventFilter(FilterTerm[] terms)
    {
        _terms = terms;
    }

    /// <summary>No filter.</summary>
    public static EventFilter None { get; } = new([]);

    /// <summary>The field names the terms use.</summary>
    public IEnumerable<string> Fields => _terms.Select(t => t.Field);

    /// <summary>Parses the filter.</summary>
    /// <exception cref="FormatException">A term is not field==v, field!=v or field~regex, or its regex is invalid.</exception>
    public static EventFilter Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return None;
        }
        var terms = new List<FilterTerm>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (index, op) = Find(part);
            if (index <= 0)
            {
                throw new FormatException($"'{part}' is not field==value, field!=value or field~regex");
            }
            var field = part[..index].Trim();
            var value = part[(index + op.Length)..];
            Regex? pattern = null;
            if (op == "~")
            {
                try
                {
                    pattern = Compile(value);
                }
                catch (ArgumentException e)
                {
                    throw new FormatException($"'{value}' is not a regular expression ({e.Message})", e);
                }
            }
            terms.Add(new FilterTerm(field, op, value, pattern));
        }
        return new EventFilter([.. terms]);
    }

    /// <summary>Whether every term holds; <paramref name="text"/> gives a field's text by name.</summary>
    public bool Matches(Func<string, string> text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var term in _terms)
        {
            if (!term.Matches(text(term.Field)))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The term's regex: matched in linear time (<see cref="RegexOptions.NonBacktracking"/>, as RE2, ig's), so that
    /// <c>(a+)+$</c> against a long argument costs no more than a plain one; a pattern that needs backtracking
    /// (back-references, lookarounds) gets it, with a match timeout.
    /// </summary>
    private static Regex Compile(string value)
    {
        try
        {
            return new Regex(value, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, TimeSpan.FromMilliseconds(100));
        }
        catch (NotSupportedException)
        {
            return new Regex(value, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        }
    }

    private static (int Index, string Operator) Find(string part)
    {
        var equal = part.IndexOf("==", StringComparison.Ordinal);
        var notEqual = part.IndexOf("!=", StringComparison.Ordinal);
        var match = part.IndexOf('~', StringComparison.Ordinal);
        var candidates = new List<(int, string)>();
        if (equal > 0)
        {
            candidates.Add((equal, "=="));
        }
        if (notEqual > 0)
        {
            candidates.Add((notEqual, "!="));
        }
        if (match > 0)
        {
            candidates.Add((match, "~"));
        }
        return candidates.Count == 0 ? (-1, "") : candidates.MinBy(c => c.Item1);
    }
}
