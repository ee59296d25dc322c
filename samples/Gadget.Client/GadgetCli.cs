using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Gadget.Client;

/// <summary>The <c>gadget</c> command line: parses the arguments and talks to the agent.</summary>
public static class GadgetCli
{
    /// <summary>The agent address when <c>--agent</c> is not given.</summary>
    public const string DefaultAgent = "unix:/run/gadget/agent.sock";

    private const string Usage = """
        usage: gadget [--agent unix:PATH|https://IP:PORT] [--token-file FILE] [--ca-cert FILE] [--client-cert FILE [--client-key FILE]] COMMAND
          traceloop start [selector flags]     start recording the matching containers; prints the trace id
          traceloop stop ID                    stop a trace
          traceloop list                       list the traces
          traceloop dump CONTAINER [--output text|json]
          containers                           list the node's containers
          execsnoop|opensnoop|tcpconnect|tcpaccept|sigsnoop|oomkill [selector flags]   stream events as JSON lines
                                               ({"type":"lost",...} lines: events the kernel or the agent dropped)
        https: --token-file FILE (or $GADGET_AGENT_TOKEN) sends the agent's bearer token; --ca-cert FILE trusts the
        agent's certificate (PEM); --client-cert/--client-key present a client certificate (mutual TLS)
        selector flags: --label k=v (repeatable) --namespace NS --podname P --containerindex N --name NAME --id PREFIX
        """;

    /// <summary>Runs one command; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var agent = DefaultAgent;
        var connection = new AgentConnection();
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--agent" or "--token-file" or "--ca-cert" or "--client-cert" or "--client-key" && i + 1 < args.Length)
            {
                var value = args[++i];
                switch (args[i - 1])
                {
                    case "--agent": agent = value; break;
                    case "--token-file": connection = connection with { TokenFile = value }; break;
                    case "--ca-cert": connection = connection with { CaCertificate = value }; break;
                    case "--client-cert": connection = connection with { ClientCertificate = value }; break;
                    default: connection = connection with { ClientKey = value }; break;
                }
            }
            else
            {
                rest.Add(args[i]);
            }
        }
        if (rest.Count == 0 || rest[0] is "-h" or "--help")
        {
            await error.WriteLineAsync(Usage);
            return rest.Count == 0 ? 2 : 0;
        }
        HttpClient http;
        try
        {
            http = CreateHttpClient(agent, connection);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            await error.WriteLineAsync("gadget: " + e.Message);
            return 2;
        }
        using var client = http;
        try
        {
            return rest[0] switch
            {
                "traceloop" when rest.Count > 1 => await TraceloopAsync(http, rest[1], rest.Skip(2).ToList(), output, error, cancellationToken),
                "containers" => await CopyAsync(await http.GetAsync("containers", cancellationToken), output, error, cancellationToken),
                "execsnoop" or "opensnoop" or "tcpconnect" or "tcpaccept" or "sigsnoop" or "oomkill" =>
                    await StreamAsync(http, $"gadgets/{rest[0]}{Query(ParseSelector(rest.Skip(1).ToList()))}", output, error, cancellationToken),
                _ => await UsageErrorAsync(error),
            };
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync("gadget: " + e.Message);
            return 2;
        }
        catch (HttpRequestException e)
        {
            await error.WriteLineAsync($"gadget: cannot reach the agent at {agent}: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
    }

    private static async Task<int> TraceloopAsync(HttpClient http, string verb, List<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        switch (verb)
        {
            case "start":
                {
                    using var response = await http.PostAsJsonAsync("traces", ParseSelector(args), cancellationToken);
                    if (!response.IsSuccessStatusCode)
                    {
                        return await CopyAsync(response, output, error, cancellationToken);
                    }
                    using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                    await output.WriteLineAsync(body.RootElement.GetProperty("id").GetString());
                    return 0;
                }
            case "stop" when args.Count == 1:
                return await CopyAsync(await http.DeleteAsync($"traces/{Uri.EscapeDataString(args[0])}", cancellationToken), output, error, cancellationToken);
            case "list":
                return await CopyAsync(await http.GetAsync("traces", cancellationToken), output, error, cancellationToken);
            case "dump" when args.Count is 1 or 3:
                var format = args.Count == 3 && args[1] == "--output" ? args[2] : "text";
                return await CopyAsync(await http.GetAsync($"containers/{Uri.EscapeDataString(args[0])}/history?output={format}", cancellationToken), output, error, cancellationToken);
            default:
                return await UsageErrorAsync(error);
        }
    }

    private static async Task<int> UsageErrorAsync(TextWriter error)
    {
        await error.WriteLineAsync(Usage);
        return 2;
    }

    private static async Task<int> CopyAsync(HttpResponseMessage response, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                await error.WriteLineAsync($"gadget: agent answered {(int)response.StatusCode} {response.ReasonPhrase}: {text.TrimEnd()}");
                return 1;
            }
            if (text.Length > 0)
            {
                await output.WriteAsync(text.EndsWith('\n') ? text : text + "\n");
            }
            await output.FlushAsync(cancellationToken);
            return 0;
        }
    }

    private static async Task<int> StreamAsync(HttpClient http, string path, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return await CopyAsync(response, output, error, cancellationToken);
        }
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            await output.WriteLineAsync(line);
            await output.FlushAsync(cancellationToken);
        }
        return 0;
    }

    /// <summary>Parses the selector flags into the agent's JSON shape.</summary>
    public static Dictionary<string, object> ParseSelector(IReadOnlyList<string> args)
    {
        var selector = new Dictionary<string, object>();
        var labels = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var flag = args[i];
            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{flag} needs a value");
            }
            var value = args[++i];
            switch (flag)
            {
                case "--label" or "-l": labels.Add(value); break;
                case "--namespace" or "-n": selector["namespace"] = value; break;
                case "--podname": selector["podName"] = value; break;
                case "--containerindex": selector["containerIndex"] = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "--name": selector["name"] = value; break;
                case "--id": selector["id"] = value; break;
                default: throw new ArgumentException($"unknown flag {flag}");
            }
        }
        if (labels.Count > 0)
        {
            selector["labels"] = string.Join(',', labels);
        }
        return selector;
    }

    private static string Query(Dictionary<string, object> selector) => selector.Count == 0
        ? string.Empty
        : "?" + string.Join('&', selector.Select(p => $"{p.Key.ToLowerInvariant()}={Uri.EscapeDataString(Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture)!)}"));

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
}
