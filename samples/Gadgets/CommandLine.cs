using System.Globalization;
using Gadget.Containers;

namespace Gadgets;

/// <summary>
/// The options every subcommand shares (the selector flags, <c>--host</c>, <c>--output columns|json</c>) and the
/// subcommand's own <c>--key value</c> / <c>--flag</c> options.
/// </summary>
internal sealed class CommandLine
{
    private static readonly HashSet<string> SelectorFlags = ["--label", "-l", "--namespace", "-n", "--podname", "-p", "--containerindex", "--name", "-c", "--id", "--runtime"];
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    private CommandLine()
    {
    }

    /// <summary>The subcommand's words before the options (e.g. <c>advise network-policy</c>: <c>["network-policy"]</c>).</summary>
    public List<string> Positional { get; } = [];

    /// <summary>The container selector: null with <c>--host</c> (every process on the host).</summary>
    public ContainerSelector? Selector { get; private set; } = ContainerSelector.All;

    /// <summary>True with <c>--host</c>: trace every process, containers or not.</summary>
    public bool Host { get; private set; }

    /// <summary>The events ring buffer's size in bytes (<c>--ring-size BYTES</c>, a power of two of at least a page); 0: the gadget's default.</summary>
    public int RingBufferSize { get; private set; }

    /// <summary>The output format.</summary>
    public OutputFormat Output { get; private set; } = OutputFormat.Columns;

    /// <summary>Parses <paramref name="args"/> (the words after the subcommand). <paramref name="valueOptions"/> are the subcommand's options taking a value.</summary>
    /// <exception cref="FormatException">An option is malformed.</exception>
    public static CommandLine Parse(IReadOnlyList<string> args, IReadOnlyCollection<string>? valueOptions = null)
    {
        var line = new CommandLine();
        var selector = new ContainerSelector();
        var all = false;
        var anySelector = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inlineValue = null;
            var equals = arg.StartsWith("--", StringComparison.Ordinal) ? arg.IndexOf('=', StringComparison.Ordinal) : -1;
            if (equals > 0)
            {
                inlineValue = arg[(equals + 1)..];
                arg = arg[..equals];
            }
            string Value()
            {
                if (inlineValue is not null)
                {
                    return inlineValue;
                }
                if (i + 1 >= args.Count)
                {
                    throw new FormatException($"{arg} needs a value.");
                }
                return args[++i];
            }
            if (SelectorFlags.Contains(arg))
            {
                anySelector = true;
            }
            switch (arg)
            {
                case "--label" or "-l":
                    selector = selector with { Labels = ContainerSelector.ParseLabels(Value()) };
                    break;
                case "--namespace" or "-n":
                    selector = selector with { KubernetesNamespace = Value() };
                    break;
                case "--podname" or "-p":
                    selector = selector with { PodName = Value() };
                    break;
                case "--containerindex":
                    selector = selector with { ContainerIndex = int.Parse(Value(), CultureInfo.InvariantCulture) };
                    break;
                case "--name" or "-c":
                    selector = selector with { Name = Value() };
                    break;
                case "--id":
                    selector = selector with { IdPrefix = Value() };
                    break;
                case "--runtime":
                    var runtime = Value();
                    selector = selector with
                    {
                        Runtime = Enum.TryParse<ContainerRuntime>(runtime, ignoreCase: true, out var parsed)
                            ? parsed
                            : throw new FormatException($"Unknown runtime '{runtime}' (one of {string.Join(", ", Enum.GetNames<ContainerRuntime>())})."),
                    };
                    break;
                case "--all" or "-A":
                    all = true;
                    break;
                case "--host":
                    line.Host = true;
                    break;
                case "--ring-size":
                    var size = Value();
                    line.RingBufferSize = int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes >= Environment.SystemPageSize && int.IsPow2(bytes)
                        ? bytes
                        : throw new FormatException($"--ring-size is a power of two of at least {Environment.SystemPageSize} bytes, not '{size}'.");
                    break;
                case "--output" or "-o":
                    var output = Value();
                    line.Output = output switch
                    {
                        "columns" => OutputFormat.Columns,
                        "json" => OutputFormat.Json,
                        _ => throw new FormatException($"--output is 'columns' or 'json', not '{output}'."),
                    };
                    break;
                default:
                    if (arg.StartsWith('-') && arg.Length > 1)
                    {
                        if (valueOptions?.Contains(arg) == true)
                        {
                            line._options[arg] = Value();
                        }
                        else if (inlineValue is not null)
                        {
                            line._options[arg] = inlineValue;
                        }
                        else
                        {
                            line._flags.Add(arg);
                        }
                    }
                    else
                    {
                        line.Positional.Add(arg);
                    }
                    break;
            }
        }
        if (line.Host && (anySelector || all))
        {
            throw new FormatException("--host traces every process; it does not combine with container selector flags.");
        }
        line.Selector = line.Host ? null : (anySelector ? selector : ContainerSelector.All);
        return line;
    }

    /// <summary>The value of a subcommand option, or null.</summary>
    public string? Option(string name)
    {
        _used.Add(name);
        return _options.GetValueOrDefault(name);
    }

    /// <summary>An integer option, or <paramref name="defaultValue"/>.</summary>
    public int IntOption(string name, int defaultValue) =>
        Option(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : defaultValue;

    /// <summary>True when the subcommand flag was given.</summary>
    public bool Flag(string name)
    {
        _used.Add(name);
        return _flags.Contains(name);
    }

    /// <summary>Throws for options the subcommand did not ask for (call after reading them).</summary>
    /// <exception cref="FormatException">An unknown option was given.</exception>
    public void ThrowOnUnknown()
    {
        var unknown = _options.Keys.Concat(_flags).Where(o => !_used.Contains(o)).ToList();
        if (unknown.Count > 0)
        {
            throw new FormatException("Unknown option(s): " + string.Join(' ', unknown));
        }
    }
}
