using System.CommandLine;

namespace Gadget.CommandLine;

/// <summary>
/// The output flags of an event command: <c>-o columns|json|jsonpretty|yaml</c>, <c>--fields a,b</c> and
/// <c>--filter field==v,field!=v,field~regex</c>, checked against the command's fields when parsed.
/// </summary>
public sealed class OutputOptions
{
    private readonly Option<OutputFormat> _output;

    private readonly Option<string?> _fields = new("--fields") { Description = "the fields to print, comma-separated (see the list below)", HelpName = "NAME,..." };
    private readonly Option<string?> _filter = new("--filter", "-F") { Description = "only events whose fields match: field==v,field!=v,field~regex", HelpName = "EXPR" };

    /// <summary>Adds the flags to <paramref name="command"/>; <paramref name="fieldNames"/> are the names <c>--fields</c> and <c>--filter</c> accept.</summary>
    public OutputOptions(Command command, IReadOnlyCollection<string> fieldNames, bool formats = true, OutputFormat defaultFormat = OutputFormat.Columns)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(fieldNames);
        _output = new("--output", "-o")
        {
            Description = "columns, json (one object per line), jsonpretty or yaml",
            DefaultValueFactory = _ => defaultFormat,
            CustomParser = r => ParseFormat(r, defaultFormat),
            HelpName = "columns|json|jsonpretty|yaml",
        };
        _fields.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string?>() ?? "";
            var names = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (names.Length == 0)
            {
                r.AddError("--fields needs at least one field name.");
            }
            foreach (var name in names.Where(n => !fieldNames.Contains(n)))
            {
                r.AddError($"--fields: unknown field '{name}' (one of {string.Join(", ", fieldNames)}).");
                return;
            }
        });
        _filter.Validators.Add(r =>
        {
            try
            {
                var filter = EventFilter.Parse(r.GetValueOrDefault<string?>());
                if (filter.Fields.FirstOrDefault(f => !fieldNames.Contains(f)) is { } unknown)
                {
                    r.AddError($"--filter: unknown field '{unknown}' (one of {string.Join(", ", fieldNames)}).");
                }
            }
            catch (FormatException e)
            {
                r.AddError($"--filter: {e.Message}.");
            }
        });
        if (formats)
        {
            command.Options.Add(_output);
        }
        command.Options.Add(_fields);
        command.Options.Add(_filter);
    }

    /// <summary>The chosen format.</summary>
    public OutputFormat Format(ParseResult result) => result.GetValue(_output);

    /// <summary>The chosen field names, or null for the defaults.</summary>
    public IReadOnlyList<string>? Fields(ParseResult result) =>
        result.GetValue(_fields)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The filter.</summary>
    public EventFilter Filter(ParseResult result) => EventFilter.Parse(result.GetValue(_filter));

    /// <summary>A writer of <paramref name="schema"/>'s events to standard output as chosen, which writes once <paramref name="flushThreshold"/> bytes are held (null: 32 KiB).</summary>
    public EventWriter<T> Writer<T>(ParseResult result, EventSchema<T> schema, int? flushThreshold = null) =>
        new(schema, Format(result), Fields(result), Filter(result)) { FlushThreshold = flushThreshold ?? EventWriter<T>.DefaultFlushThreshold };

    private static OutputFormat ParseFormat(System.CommandLine.Parsing.ArgumentResult result, OutputFormat defaultFormat)
    {
        if (result.Tokens.Count == 0)
        {
            return defaultFormat;
        }
        var text = result.Tokens[0].Value;
        switch (text)
        {
            case "columns":
                return OutputFormat.Columns;
            case "json":
                return OutputFormat.Json;
            case "jsonpretty":
                return OutputFormat.JsonPretty;
            case "yaml":
                return OutputFormat.Yaml;
            default:
                result.AddError($"--output is columns, json, jsonpretty or yaml, not '{text}'.");
                return OutputFormat.Columns;
        }
    }
}
