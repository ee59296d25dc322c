using System.CommandLine;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Gadget.CommandLine;

namespace Gadget.Client;

/// <summary>The <c>gadget</c> command line: parses the arguments (System.CommandLine) and talks to the agent.</summary>
public static class GadgetCli
{
    /// <summary>The agent address when <c>--agent</c> is not given.</summary>
    public const string DefaultAgent = "unix:/run/gadget/agent.sock";

    /// <summary>Runs one command; returns the process exit code (0, 1: the agent refused or cannot be reached, 2: a bad command line).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var agent = new Option<string>("--agent") { Description = "the agent: unix:PATH or https://IP:PORT", HelpName = "ADDRESS", DefaultValueFactory = _ => DefaultAgent, Recursive = true };
        agent.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string>();
            // (http:// is let through: the agent refuses to serve it, and saying so is the agent's part.)
            if (!value.StartsWith("unix:", StringComparison.Ordinal) && !(Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)))
            {
                r.AddError($"--agent is unix:PATH or https://IP:PORT, not '{value}'.");
            }
        });
        var tokenFile = new Option<string?>("--token-file") { Description = $"https: send the bearer token in FILE's first line (default: ${AgentConnection.TokenVariable})", HelpName = "FILE", Recursive = true };
        var caCert = new Option<string?>("--ca-cert") { Description = "https: trust the agent's certificate when it chains to this PEM certificate", HelpName = "FILE", Recursive = true };
        var clientCert = new Option<string?>("--client-cert") { Description = "https: present this PEM client certificate (mutual TLS)", HelpName = "FILE", Recursive = true };
        var clientKey = new Option<string?>("--client-key") { Description = "its PEM private key, when not in --client-cert", HelpName = "FILE", Recursive = true };
        var root = new RootCommand("gadget: client of the Gadget node agent (gadget-agent): traceloop traces and histories, the node's containers, and the gadgets' event streams (JSON lines).")
        {
            agent, tokenFile, caCert, clientCert, clientKey,
        };
        Func<ParseResult, HttpClient> connect = result => Connect(result.GetValue(agent)!, new AgentConnection
        {
            TokenFile = result.GetValue(tokenFile),
            CaCertificate = result.GetValue(caCert),
            ClientCertificate = result.GetValue(clientCert),
            ClientKey = result.GetValue(clientKey),
        });
        var io = new Io(output, error, agent);
        root.Subcommands.Add(TraceloopCommand(io, connect));
        var containers = new Command("containers", "List the node's containers (JSON).");
        containers.SetAction((result, ct) => io.SendAsync(result, connect, http => http.GetAsync("containers", ct), ct));
        root.Subcommands.Add(containers);
        foreach (var name in AgentEventSchemas.Gadgets)
        {
            root.Subcommands.Add(StreamCommand(name, io, connect));
        }
        return CliHost.InvokeAsync("gadget", root, args, output, error, cancellationToken);
    }

    private static Command TraceloopCommand(Io io, Func<ParseResult, HttpClient> connect)
    {
        var traceloop = new Command("traceloop", "The agent's syscall flight recorder.");
        var start = new Command("start", "Start recording the matching containers; prints the trace id.");
        var selector = new SelectorOptions(start, host: false);
        start.SetAction((result, ct) => io.SendAsync(result, connect, http => http.PostAsJsonAsync("traces", Selector(selector, result), ct), ct, async (response, output) =>
        {
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            await output.WriteLineAsync(body.RootElement.GetProperty("id").GetString());
        }));
        var stop = new Command("stop", "Stop a trace.");
        var id = new Argument<string>("id") { Description = "the trace id 'start' printed" };
        stop.Arguments.Add(id);
        stop.SetAction((result, ct) => io.SendAsync(result, connect, http => http.DeleteAsync($"traces/{Uri.EscapeDataString(result.GetRequiredValue(id))}", ct), ct));
        var list = new Command("list", "List the traces (JSON).");
        list.SetAction((result, ct) => io.SendAsync(result, connect, http => http.GetAsync("traces", ct), ct));
        var dump = new Command("dump", "Print a container's recorded history.");
        var container = new Argument<string>("container") { Description = "the container's id, a unique prefix of it, or its name" };
        var output = ValueOptions.Choice("--output", "-o", "text (strace-like) or json", "text", "text", "json");
        dump.Arguments.Add(container);
        dump.Options.Add(output);
        dump.SetAction((result, ct) => io.SendAsync(result, connect, http => http.GetAsync($"containers/{Uri.EscapeDataString(result.GetRequiredValue(container))}/history?output={result.GetValue(output)}", ct), ct));
        traceloop.Subcommands.Add(start);
        traceloop.Subcommands.Add(stop);
        traceloop.Subcommands.Add(list);
        traceloop.Subcommands.Add(dump);
        return traceloop;
    }

    private static Command StreamCommand(string name, Io io, Func<ParseResult, HttpClient> connect)
    {
        var command = new Command(name, $"Stream the agent's {name} events: JSON lines by default (schemas/gadget-event.schema.json; {{\"type\":\"lost\"}} lines: events the kernel or the agent dropped), or columns, indented JSON or YAML.");
        var schema = AgentEventSchemas.For(name);
        CliHost.AddHelpSection(command, schema.Describe());
        var selector = new SelectorOptions(command, host: false);
        var outputOptions = new OutputOptions(command, [.. schema.Fields.Select(f => f.Name)], defaultFormat: OutputFormat.Json);
        var timeout = ValueOptions.Timeout();
        command.Options.Add(timeout);
        command.SetAction(async (result, ct) =>
        {
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (result.GetValue(timeout) is { } after)
            {
                stopping.CancelAfter(after);
            }
            var query = selector.Query(result);
            var path = $"gadgets/{name}" + (query.Count == 0 ? "" : "?" + string.Join('&', query.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}")));
            var printer = new StreamPrinter(schema, outputOptions.Format(result), outputOptions.Fields(result), outputOptions.Filter(result), io.Output, io.Error);
            var code = await io.StreamAsync(result, connect, path, printer, stopping.Token);
            return code == CliHost.Success && printer.Failed ? CliHost.Failure : code;
        });
        return command;
    }

    private static Dictionary<string, object> Selector(SelectorOptions options, ParseResult result)
    {
        var selector = new Dictionary<string, object>();
        foreach (var (key, value) in options.Query(result))
        {
            selector[key switch { "podname" => "podName", "containerindex" => "containerIndex", _ => key }] =
                key == "containerindex" ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : value;
        }
        return selector;
    }

    /// <summary>An HTTP client for <c>unix:PATH</c> (HTTP over the Unix socket) or an <c>https://</c> address.</summary>
    public static HttpClient CreateHttpClient(string agent) => CreateHttpClient(agent, new AgentConnection());

    /// <summary>An HTTP client for <c>unix:PATH</c> (HTTP over the Unix socket) or an <c>https://</c> address with <paramref name="connection"/>'s token and certificates.</summary>
    public static HttpClient CreateHttpClient(string agent, AgentConnection connection)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(connection);
        if (agent.StartsWith("unix:", StringComparison.Ordinal))
        {
            var path = agent["unix:".Length..];
            var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, cancellationToken) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            };
            return new HttpClient(handler) { BaseAddress = new Uri("http://localhost/"), Timeout = Timeout.InfiniteTimeSpan };
        }
        var http = new HttpClient(connection.CreateHandler()) { BaseAddress = new Uri(agent.TrimEnd('/') + "/"), Timeout = Timeout.InfiniteTimeSpan };
        if (connection.ReadToken() is { } token)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        return http;
    }

    private static HttpClient Connect(string agent, AgentConnection connection)
    {
        if (agent.StartsWith("unix:", StringComparison.Ordinal) && agent["unix:".Length..] is var path && !File.Exists(path))
        {
            throw new CommandLineException($"no agent at {agent}: {path} does not exist. Start gadget-agent (as root), or pass --agent unix:PATH|https://IP:PORT.", CliHost.Failure);
        }
        try
        {
            return CreateHttpClient(agent, connection);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new CommandLineException(e.Message, CliHost.Usage);
        }
    }
}
