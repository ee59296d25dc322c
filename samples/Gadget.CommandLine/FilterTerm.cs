using System.Text.RegularExpressions;

namespace Gadget.CommandLine;

/// <summary>One term of <c>--filter</c>: <c>field==value</c>, <c>field!=value</c> or <c>field~regex</c>.</summary>
internal sealed record FilterTerm(string Field, string Operator, string Value, Regex? Pattern)
{
    /// <summary>Whether a field's text satisfies the term.</summary>
    public bool Matches(string text) => Operator switch
    {
        "==" => string.Equals(text, Value, StringComparison.Ordinal),
        "!=" => !string.Equals(text, Value, StringComparison.Ordinal),
        _ => Pattern!.IsMatch(text),
    };
}
