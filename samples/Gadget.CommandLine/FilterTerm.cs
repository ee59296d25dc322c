using System.Text.RegularExpressions;

namespace Gadget.CommandLine;

/// <summary>One term of <c>--filter</c>: <c>field==value</c>, <c>field!=value</c> or <c>field~regex</c>.</summary>
internal sealed record FilterTerm(string Field, string Operator, string Value, Regex? Pattern)
{
    /// <summary>
    /// Whether a field's text satisfies the term. A regex that runs past its match timeout on a text (a traced process
    /// chooses its arguments, paths and names) does not match it, rather than ending the tool.
    /// </summary>
    public bool Matches(string text) => Operator switch
    {
        "==" => string.Equals(text, Value, StringComparison.Ordinal),
        "!=" => !string.Equals(text, Value, StringComparison.Ordinal),
        _ => IsMatch(Pattern!, text),
    };

    private static bool IsMatch(Regex pattern, string text)
    {
        try
        {
            return pattern.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}
