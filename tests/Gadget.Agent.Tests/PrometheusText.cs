using System.Globalization;
using System.Text;

namespace Gadget.Agent.Tests;

/// <summary>
/// The samples of a Prometheus text exposition (version 0.0.4): <c>name{label="value",...} value [timestamp]</c> lines;
/// comments (<c># HELP</c>, <c># TYPE</c>) and blank lines are skipped. Label values are unescaped (<c>\\</c>, <c>\"</c>, <c>\n</c>).
/// </summary>
internal sealed class PrometheusText
{
    private PrometheusText(IReadOnlyList<Sample> samples) => Samples = samples;

    public IReadOnlyList<Sample> Samples { get; }

    /// <summary>One sample.</summary>
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    /// <summary>Parses an exposition; a line that is not a sample is a <see cref="FormatException"/> naming it.</summary>
    public static PrometheusText Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            samples.Add(ParseSample(line));
        }
        return new PrometheusText(samples);
    }

    /// <summary>The samples named <paramref name="name"/> whose labels include every one of <paramref name="labels"/>.</summary>
    public IEnumerable<Sample> Find(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value));

    /// <summary>The sum of <see cref="Find"/>'s values (0 when no sample matches: a counter never incremented is not exported).</summary>
    public double Sum(string name, params (string Label, string Value)[] labels) => Find(name, labels).Sum(s => s.Value);

    private static Sample ParseSample(string line)
    {
        var position = 0;
        while (position < line.Length && line[position] is not ('{' or ' '))
        {
            position++;
        }
        var name = line[..position];
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (position < line.Length && line[position] == '{')
        {
            position++;
            while (position < line.Length && line[position] != '}')
            {
                var equals = line.IndexOf('=', position);
                if (equals < 0 || equals + 1 >= line.Length || line[equals + 1] != '"')
                {
                    throw new FormatException($"not a label in: {line}");
                }
                var label = line[position..equals];
                position = equals + 2;
                var value = new StringBuilder();
                for (; position < line.Length && line[position] != '"'; position++)
                {
                    if (line[position] == '\\' && position + 1 < line.Length)
                    {
                        position++;
                        value.Append(line[position] == 'n' ? '\n' : line[position]);
                    }
                    else
                    {
                        value.Append(line[position]);
                    }
                }
                if (position >= line.Length)
                {
                    throw new FormatException($"unterminated label value in: {line}");
                }
                labels[label] = value.ToString();
                position++; // the closing quote
                if (position < line.Length && line[position] == ',')
                {
                    position++;
                }
            }
            position++; // the closing brace
        }
        var fields = line[position..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (name.Length == 0 || fields.Length is 0 or > 2)
        {
            throw new FormatException($"not a sample: {line}");
        }
        var number = fields[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var text => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new Sample(name, labels, number);
    }
}
