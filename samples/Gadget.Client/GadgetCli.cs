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
        var root = new RootCommand("gadget: client of the Gadget node agent (gadget-agent): traceloop traces and histories, the node's containers, and the gadgets' event streams (JSON lines); with --kubeconfig or --cluster, of every node's agent through the Kubernetes API server.");
        var options = new ClientOptions(root);
        Connector connect = options.ConnectAsync;
        CliHost.AddHelpSection(root, "cluster: --kubeconfig FILE (or --cluster) sends each command to every node's agent (or --node's) through the API server's pod proxy, and merges: a NODE column first in text, a k8s.node field in JSON. A node that refuses or does not answer is one 'node X: reason' line on standard error; the other nodes' answers are printed, and the exit code is 1.");
        var io = new Io(output, error);
        root.Subcommands.Add(TraceloopCommand(io, connect));
        var containers = new Command("containers", "List the node's containers (JSON).");
        containers.SetAction((result, ct) => io.SendAsync(result, connect, (http, ct) => http.GetAsync("containers", ct), Answer.JsonArray, ct));
        root.Subcommands.Add(containers);
        foreach (var name in AgentEventSchemas.Gadgets)
        {
            root.Subcommands.Add(StreamCommand(name, $"gadgets/{name}", name, $"Stream the agent's {name} events", io, connect));
        }
        var top = new Command("top", "The agent's interval tables, streamed row by row.");
        top.Subcommands.Add(StreamCommand("file", "gadgets/top-file", "top-file", "Stream the agent's top file tables (reads and writes per process and file, one table a second)", io, connect));
        root.Subcommands.Add(top);
        var snapshot = new Command("snapshot", "What the node has now, listed once by the agent.");
        snapshot.Subcommands.Add(StreamCommand("process", "snapshot/process", "snapshot-process", "List the node's processes now (the agent's BPF task iterator)", io, connect));
        snapshot.Subcommands.Add(StreamCommand("socket", "snapshot/socket", "snapshot-socket", "List the node's TCP and UDP sockets now (the agent's BPF socket iterators)", io, connect));
        root.Subcommands.Add(snapshot);
        var profile = new Command("profile", "The agent's profiles, taken once.");
        var duration = ValueOptions.Integer("--duration", "sample for this many seconds (1-60)", 5, 1, 60);
        var frequency = ValueOptions.Integer("--frequency", "samples per second on each CPU (1-1000)", 49, 1, 1000);
        profile.Subcommands.Add(StreamCommand("cpu", "profile/cpu", "profile-cpu", "Sample the node's CPUs (or the selected containers') for --duration seconds and list the stacks, the most sampled first (the agent's perf_event sampling)", io, connect,
            [(duration, "seconds"), (frequency, "frequency")]));
        root.Subcommands.Add(profile);
        foreach (var command in Leaves(root))
        {
            options.Validate(command);
        }
        return CliHost.InvokeAsync("gadget", root, args, output, error, cancellationToken);
    }

    private static IEnumerable<Command> Leaves(Command command) =>
        command.Subcommands.Count == 0 ? [command] : command.Subcommands.SelectMany(Leaves);

    private static Command TraceloopCommand(Io io, Connector connect)
    {
        var traceloop = new Command("traceloop", "The agent's syscall flight recorder.");
        var start = new Command("start", "Start recording the matching containers; prints the trace id.");
        var selector = new SelectorOptions(start, host: false);
        var exitTimestamps = new Option<bool>("--exit-timestamps")
        {
            Description = "read the clock at every syscall's exit (dump -o json: exit_timestamp_ns of every call that returned; without it, only of calls whose thread was switched out)",
        };
        start.Options.Add(exitTimestamps);
        start.SetAction((result, ct) => io.SendAsync(result, connect, (http, ct) => http.PostAsJsonAsync("traces", TraceRequest(selector, result, result.GetValue(exitTimestamps)), ct), Answer.TraceId, ct));
        var stop = new Command("stop", "Stop a trace.");
        var id = new Argument<string>("id") { Description = "the trace id 'start' printed" };
        stop.Arguments.Add(id);
        stop.SetAction((result, ct) => io.SendAsync(result, connect, (http, ct) => http.DeleteAsync($"traces/{Uri.EscapeDataString(result.GetRequiredValue(id))}", ct), Answer.None, ct));
        var list = new Command("list", "List the traces (JSON).");
        list.SetAction((result, ct) => io.SendAsync(result, connect, (http, ct) => http.GetAsync("traces", ct), Answer.JsonArray, ct));
        var dump = new Command("dump", "Print a container's recorded history.");
        var container = new Argument<string>("container") { Description = "the container's id, a unique prefix of it, or its name" };
        var output = ValueOptions.Choice("--output", "-o", "text (strace-like) or json", "text", "text", "json");
        dump.Arguments.Add(container);
        dump.Options.Add(output);
        // The agent prints the history: it checks -e's names against its own syscall table (a node's may not be this machine's).
        var printing = new SyscallPrintOptions(
            dump,
            $" (printing only: the agent's traces record the first {SyscallPrinting.DefaultStringLimit} bytes of each buffer)",
            ", or that held its CPU, from a trace started without --exit-timestamps",
            "; the agent prints them, in its time zone",
            resolveNames: false);
        dump.SetAction((result, ct) =>
        {
            IEnumerable<KeyValuePair<string, string>> query = [new("output", result.GetValue(output)!), .. printing.Read(result).Query()];
            var path = $"containers/{Uri.EscapeDataString(result.GetRequiredValue(container))}/history?{string.Join('&', query.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"))}";
            return io.SendAsync(result, connect, (http, ct) => http.GetAsync(path, ct), result.GetValue(output) == "json" ? Answer.JsonLines : Answer.Text, ct, notFoundIsAbsent: true);
        });
        traceloop.Subcommands.Add(start);
        traceloop.Subcommands.Add(stop);
        traceloop.Subcommands.Add(list);
        traceloop.Subcommands.Add(dump);
        return traceloop;
    }

    private static Command StreamCommand(string name, string endpoint, string schemaName, string summary, Io io, Connector connect,
        IReadOnlyList<(Option<int> Option, string Query)>? parameters = null)
    {
        var command = new Command(name, $"{summary}: JSON lines by default (schemas/gadget-event.schema.json; {{\"type\":\"lost\"}} lines: events the kernel or the agent dropped), or columns, indented JSON or YAML.");
        var schema = AgentEventSchemas.For(schemaName);
        var clusterSchema = AgentEventSchemas.For(schemaName, cluster: true);
        CliHost.AddHelpSection(command, clusterSchema.Describe);
        var selector = new SelectorOptions(command, host: false);
        var outputOptions = new OutputOptions(command, [.. clusterSchema.Fields.Select(f => f.Name)], defaultFormat: OutputFormat.Json);
        var timeout = ValueOptions.Timeout();
        command.Options.Add(timeout);
        foreach (var (option, _) in parameters ?? [])
        {
            command.Options.Add(option);
        }
        command.SetAction(async (result, ct) =>
        {
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (result.GetValue(timeout) is { } after)
            {
                stopping.CancelAfter(after);
            }
            IReadOnlyList<KeyValuePair<string, string>> query = [.. selector.Query(result),
                .. (parameters ?? []).Select(p => KeyValuePair.Create(p.Query, result.GetValue(p.Option).ToString(System.Globalization.CultureInfo.InvariantCulture)))];
            var path = endpoint + (query.Count == 0 ? "" : "?" + string.Join('&', query.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}")));
            using var targets = await connect(result, stopping.Token);
            var format = outputOptions.Format(result);
            var fields = outputOptions.Fields(result);
            if (targets.IsCluster && fields is null && format == OutputFormat.Columns)
            {
                fields = AgentEventSchemas.ClusterColumns(clusterSchema); // NODE first (JSON has k8s.node)
            }
            var printer = new StreamPrinter(targets.IsCluster ? clusterSchema : schema, format, fields, outputOptions.Filter(result), io.Output, io.Error);
            var code = await io.StreamAsync(targets, path, printer, stopping.Token);
            return code == CliHost.Success && printer.Failed ? CliHost.Failure : code;
        });
        return command;
    }

    /// <summary>The body of <c>POST /traces</c>: the selector, and <c>exitTimestamps</c> only when asked for (an agent from
    /// before it refuses unknown fields).</summary>
    private static Dictionary<string, object> TraceRequest(SelectorOptions options, ParseResult result, bool exitTimestamps)
    {
        var request = new Dictionary<string, object>();
        foreach (var (key, value) in options.Query(result))
        {
            request[key switch { "podname" => "podName", "containerindex" => "containerIndex", _ => key }] =
                key == "containerindex" ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : value;
        }
        if (exitTimestamps)
        {
            request["exitTimestamps"] = true;
        }
        return request;
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
                        // What the agent sends is printed: in a directory others may write (/tmp), the socket may be a
                        // local user's, listening to forge answers (and terminal commands). Only a tracer is believed.
                        var peer = PeerCredentials.Read(socket);
                        if (!PeerTrust.IsTrusted(peer))
                        {
                            throw new UntrustedAgentException(peer);
                        }
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
}
