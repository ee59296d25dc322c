using System.CommandLine;
using System.CommandLine.Parsing;
using Gadget.Containers;

namespace Gadget.CommandLine;

/// <summary>
/// The container selector flags every tool shares (as ig's): <c>--label/-l k=v,...</c>, <c>--namespace/-n</c>,
/// <c>--podname/-p</c>, <c>--containerindex</c>, <c>--name/-c</c>, <c>--id</c>, <c>--runtime</c>, <c>--all/-A</c>, and
/// optionally <c>--host</c> (every process, containers or not).
/// </summary>
public sealed class SelectorOptions
{
    private readonly Option<string[]> _labels = new("--label", "-l") { Description = "containers with these labels: k=v,k2=v2 (repeatable)", AllowMultipleArgumentsPerToken = false };
    private readonly Option<string?> _namespace = new("--namespace", "-n") { Description = "containers of this Kubernetes namespace" };
    private readonly Option<string?> _pod = new("--podname", "-p") { Description = "containers of this pod" };
    private readonly Option<int?> _index = new("--containerindex")
    {
        Description = "the pod's container with this index (0, 1, ...)",
        HelpName = "N",
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
            {
                r.AddError($"--containerindex is a whole number from 0 to {int.MaxValue}, not '{text}'.");
                return null;
            }
            return index;
        },
    };
    private readonly Option<string?> _name = new("--name", "-c") { Description = "the container with this name" };
    private readonly Option<string?> _id = new("--id") { Description = "the container whose id starts with this prefix" };
    private readonly Option<ContainerRuntime?> _runtime = new("--runtime")
    {
        Description = "containers of this runtime",
        HelpName = string.Join('|', Enum.GetNames<ContainerRuntime>().Select(n => n.ToLowerInvariant())),
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "";
            // By name only: Enum.TryParse also takes numbers (" 5", "+3" were docker and containerd).
            if (Enum.GetNames<ContainerRuntime>().FirstOrDefault(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase)) is not { } name
                || !Enum.TryParse<ContainerRuntime>(name, out var runtime))
            {
                r.AddError($"--runtime is one of {string.Join(", ", Enum.GetNames<ContainerRuntime>().Select(n => n.ToLowerInvariant()))}, not '{text}'.");
                return null;
            }
            return runtime;
        },
    };
    private readonly Option<bool> _all = new("--all", "-A") { Description = "every container (the default)" };
    private readonly Option<bool>? _host;

    /// <summary>Adds the flags to <paramref name="command"/>.</summary>
    /// <param name="command">The command.</param>
    /// <param name="host">Whether <c>--host</c> (every process on the host) is offered.</param>
    public SelectorOptions(Command command, bool host = true)
    {
        ArgumentNullException.ThrowIfNull(command);
        _labels.Validators.Add(r => Check(r, v => ContainerSelector.ParseLabels(v)));
        foreach (var option in (Option[])[_labels, _namespace, _pod, _index, _name, _id, _runtime, _all])
        {
            command.Options.Add(option);
        }
        if (host)
        {
            _host = new Option<bool>("--host") { Description = "every process on the host, containers or not" };
            command.Options.Add(_host);
            command.Validators.Add(r =>
            {
                if (r.GetValue(_host) && IsSelecting(r))
                {
                    r.AddError("--host traces every process; it does not combine with the container selector flags.");
                }
            });
        }
    }

    /// <summary>Whether a selector flag (or <c>--all</c>) was given.</summary>
    public bool IsGiven(ParseResult result) => IsGiven(result.CommandResult);

    /// <summary>Whether a selector flag (or <c>--all</c>) was given to the command being validated.</summary>
    public bool IsGiven(CommandResult result) => IsSelecting(result) || result.GetResult(_all) is { Implicit: false };

    /// <summary>True with <c>--host</c>.</summary>
    public bool Host(ParseResult result) => _host is not null && result.GetValue(_host);

    /// <summary>The selector: null with <c>--host</c>; <see cref="ContainerSelector.All"/> without flags.</summary>
    public ContainerSelector? Selector(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (Host(result))
        {
            return null;
        }
        var selector = new ContainerSelector();
        var labels = result.GetValue(_labels) ?? [];
        if (labels.Length > 0)
        {
            var merged = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var label in labels)
            {
                foreach (var (key, value) in ContainerSelector.ParseLabels(label))
                {
                    merged[key] = value;
                }
            }
            selector = selector with { Labels = merged };
        }
        return selector with
        {
            KubernetesNamespace = result.GetValue(_namespace),
            PodName = result.GetValue(_pod),
            ContainerIndex = result.GetValue(_index),
            Name = result.GetValue(_name),
            IdPrefix = result.GetValue(_id),
            Runtime = result.GetValue(_runtime),
        };
    }

    /// <summary>The selector as the agent's query parameters (name=value pairs), for the client.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Query(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var query = new List<KeyValuePair<string, string>>();
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                query.Add(new(name, value));
            }
        }
        var labels = result.GetValue(_labels) ?? [];
        Add("labels", labels.Length == 0 ? null : string.Join(',', labels));
        Add("namespace", result.GetValue(_namespace));
        Add("podname", result.GetValue(_pod));
        Add("containerindex", result.GetValue(_index)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add("name", result.GetValue(_name));
        Add("id", result.GetValue(_id));
        Add("runtime", result.GetValue(_runtime)?.ToString().ToLowerInvariant());
        return query;
    }

    private bool IsSelecting(CommandResult result) =>
        ((Option[])[_labels, _namespace, _pod, _index, _name, _id, _runtime]).Any(o => result.GetResult(o) is { Implicit: false });

    private static void Check(OptionResult result, Action<string> parse)
    {
        foreach (var token in result.Tokens)
        {
            try
            {
                parse(token.Value);
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                result.AddError($"{result.Option.Name}: {e.Message}");
                return;
            }
        }
    }
}
