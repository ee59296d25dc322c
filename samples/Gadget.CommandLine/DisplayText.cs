namespace Gadget.CommandLine;

/// <summary>
/// Text from outside the tool (an operator's value, a command's name, a path) made safe to echo in a one-line message:
/// control characters written as the tables write them (<c>\n</c>, <c>\t</c>, <c>\r</c>, <c>\x1b</c>, <c>\u0085</c>), so the
/// line stays one line and a terminal gets no commands.
/// </summary>
public static class DisplayText
{
    /// <summary><paramref name="text"/> with its C0 controls, DEL and C1 controls escaped (the same string when it has none).</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.AsSpan().ContainsAnyInRange('\0', '\x1f') && !text.AsSpan().ContainsAnyInRange('\x7f', '\x9f'))
        {
            return text;
        }
        var row = new Utf8Row();
        row.AppendText(text);
        return row.ToString();
    }
}
