using System.Text.RegularExpressions;

namespace Gadget.Cli.Tests;

/// <summary>What a System.CommandLine --help lists: the options (each alias, and whether it takes a value) and the fields.</summary>
internal static partial class HelpText
{
    /// <summary>The options of the help's "Options:" section: every name of each, and whether it takes a value.</summary>
    internal static List<(string[] Names, bool TakesValue)> Options(string help)
    {
        var options = new List<(string[], bool)>();
        var inOptions = false;
        foreach (var line in help.Split('\n'))
        {
            if (line.StartsWith("Options:", StringComparison.Ordinal))
            {
                inOptions = true;
                continue;
            }
            if (inOptions && line.Length > 0 && !char.IsWhiteSpace(line[0]))
            {
                inOptions = false;
            }
            if (inOptions && OptionLine().Match(line) is { Success: true } match)
            {
                var names = match.Groups["names"].Value.Split(", ", StringSplitOptions.TrimEntries);
                options.Add((names, match.Groups["value"].Success));
            }
        }
        return options;
    }

    /// <summary>The field names of the "fields" section (a line each: name, description).</summary>
    internal static List<string> Fields(string help)
    {
        var fields = new List<string>();
        var inFields = false;
        foreach (var line in help.Split('\n'))
        {
            if (line.StartsWith("fields ", StringComparison.Ordinal))
            {
                inFields = true;
                continue;
            }
            if (inFields && FieldLine().Match(line) is { Success: true } match)
            {
                fields.Add(match.Groups["name"].Value);
            }
            else if (inFields && line.Trim().Length == 0)
            {
                break;
            }
        }
        return fields;
    }

    [GeneratedRegex(@"^  (?<names>-{1,2}[\w?-]+(?:, -{1,2}[\w?-]+)*)(?: <(?<value>[^>]+)>)?\s{2,}\S")]
    private static partial Regex OptionLine();

    [GeneratedRegex(@"^  (?<name>[A-Za-z][\w]*)\*?\s+\S")]
    private static partial Regex FieldLine();
}
