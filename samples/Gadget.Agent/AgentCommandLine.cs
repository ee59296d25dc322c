using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Gadget.CommandLine;

namespace Gadget.Agent;

/// <summary>
/// The agent's command line on System.CommandLine, run through <see cref="CliHost"/> like every Gadget tool:
/// <c>--help</c> lists the options and never starts the agent; a bad value or an unknown option is one line naming it
/// (exit 2), checked before anything touches the socket.
/// </summary>
public static class AgentCommandLine
{
    private static readonly Option<string> Socket = new("--socket")
    {
        Description = "the Unix socket ('none': no socket); created 0600, root only",
        HelpName = "PATH|none",
        DefaultValueFactory = _ => AgentOptions.DefaultSocket,
    };

    private static readonly Option<string?> SocketGroup = new("--socket-group")
    {
        Description = "also let this group's members in (socket 0660, group NAME)",
        HelpName = "NAME|GID",
    };

    private static readonly Option<uint[]> AllowUids = new("--allow-uid")
    {
        Description = "also let this uid in (repeatable; the socket becomes 0666 and the peer's uid, read with SO_PEERCRED, decides: others get 403)",
        HelpName = "UID",
        DefaultValueFactory = _ => [],
        CustomParser = ParseUids,
    };

    private static readonly Option<Uri[]> Urls = new("--urls")
    {
        Description = "also listen on TCP (';'-separated https://IP:PORT); needs --tls-cert and --token-file or --client-ca. Plain http:// is refused",
        HelpName = "https://IP:PORT",
        DefaultValueFactory = _ => [],
        CustomParser = ParseUrls,
    };

    private static readonly Option<string?> TlsCertificate = new("--tls-cert") { Description = "the server certificate (PEM; the key in --tls-key or in the same file)", HelpName = "FILE" };

    private static readonly Option<string?> TlsKey = new("--tls-key") { Description = "the server certificate's private key (PEM)", HelpName = "FILE" };

    private static readonly Option<string?> TokenFile = new("--token-file") { Description = "TCP clients send 'Authorization: Bearer <the file's first line>'", HelpName = "FILE" };

    private static readonly Option<string?> ClientCa = new("--client-ca") { Description = "TCP clients present a certificate issued by this CA (PEM): mutual TLS", HelpName = "FILE" };

    private static readonly Option<int> MaxConnections = ValueOptions.Integer("--max-connections", "connections at once, all callers (503 above)", 256, 1, int.MaxValue);

    private static readonly Option<int> MaxConnectionsPerCaller = ValueOptions.Integer("--max-connections-per-caller", "connections at once per uid (Unix socket) or remote address (TCP) (429 above)", 32, 1, int.MaxValue);

    private static readonly Option<int> MaxStreams = ValueOptions.Integer("--max-streams", "gadget streams at once", 64, 1, int.MaxValue);

    private static readonly Option<int> MaxStreamsPerCaller = ValueOptions.Integer("--max-streams-per-caller", "gadget streams at once per caller", 16, 1, int.MaxValue);

    private static readonly Option<int> MaxTraces = ValueOptions.Integer("--max-traces", "traces at once", 32, 1, int.MaxValue);

    private static readonly Option<int> MaxTracesPerCaller = ValueOptions.Integer("--max-traces-per-caller", "traces at once started by one caller (429 above)", 8, 1, int.MaxValue);

    private static readonly Option<int> Rate = ValueOptions.Integer("--rate", "requests per second per caller, bursts of 2N (0: no limit)", 50, 0, int.MaxValue);

    private static readonly Option<int> ClientQueue = ValueOptions.Integer("--client-queue", "events queued per stream client before they are dropped and reported as lost", 4096, 1, int.MaxValue);

    private static readonly Option<int> RingSize = ValueOptions.RingSize();

    private static readonly Option<int> SpareRings = ValueOptions.SpareRings();

    private static readonly Option<string> Kubernetes = new("--kubernetes")
    {
        Description = "pod labels from the API server (auto: in a pod, or with --kubeconfig)",
        HelpName = "auto|off",
        DefaultValueFactory = _ => "auto",
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : "auto";
            if (text is not ("auto" or "on" or "true" or "off" or "false" or "none"))
            {
                r.AddError($"--kubernetes is auto or off, not '{text}'.");
            }
            return text;
        },
    };

    private static readonly Option<string?> Kubeconfig = new("--kubeconfig") { Description = "the API server to ask", HelpName = "PATH" };

    private static readonly Option<string?> Node = new("--node") { Description = "this node's name (default: $NODE_NAME)", HelpName = "NAME" };

    private static readonly Option<System.Net.IPEndPoint?> MetricsListen = new("--metrics-listen")
    {
        Description = "also serve GET /metrics (Prometheus text format, plain HTTP, no authentication) on this TCP address; loopback only unless --metrics-allow-remote. Off by default",
        HelpName = "IP:PORT",
        CustomParser = ParseEndPoint,
    };

    private static readonly Option<bool> MetricsAllowRemote = new("--metrics-allow-remote")
    {
        Description = "let --metrics-listen be a non-loopback address (e.g. 0.0.0.0:9464 in a pod's own network namespace): anyone who reaches it reads the metrics",
    };

    /// <summary>The agent's root command; <paramref name="run"/> serves with the parsed options until the token is canceled.</summary>
    public static RootCommand Create(Func<AgentOptions, CancellationToken, Task<int>> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var root = Root();
        root.SetAction((result, cancellationToken) => run(Bind(result), cancellationToken));
        return root;
    }

    /// <summary>Parses a command line without running it (tests, <see cref="AgentApp.Build(string[])"/>).</summary>
    /// <exception cref="AgentUsageException">An unknown option, a missing or bad value, or options that do not go together.</exception>
    public static AgentOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var result = Root().Parse([.. args]);
        if (result.UnmatchedTokens.Count > 0)
        {
            throw new AgentUsageException($"Unrecognized option '{result.UnmatchedTokens[0]}'");
        }
        if (result.Errors.Count > 0)
        {
            throw new AgentUsageException(result.Errors[0].Message);
        }
        return Bind(result);
    }

    private static RootCommand Root()
    {
        var root = new RootCommand("gadget-agent: serves traceloop and the gadgets of this node over HTTP on a Unix socket (and, with TLS, on TCP). Needs root, or CAP_SYS_ADMIN, CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE (+ CAP_NET_RAW for trace dns, CAP_IPC_LOCK for many traceloop rings).")
        {
            Socket, SocketGroup, AllowUids, Urls, TlsCertificate, TlsKey, TokenFile, ClientCa,
            MaxConnections, MaxConnectionsPerCaller, MaxStreams, MaxStreamsPerCaller, MaxTraces, MaxTracesPerCaller, Rate, ClientQueue, RingSize, SpareRings,
            Kubernetes, Kubeconfig, Node, MetricsListen, MetricsAllowRemote,
        };
        // Options that only make sense together: a parse error too (exit 2, before the socket is touched).
        root.Validators.Add(result =>
        {
            try
            {
                Bind(result);
            }
            catch (AgentUsageException e)
            {
                result.AddError(e.Message);
            }
            catch (InvalidOperationException)
            {
                // A value that did not parse: its option's own error says so.
            }
        });
        CliHost.AddHelpSection(root, "limits: a caller over its own limit gets 429, every caller 503 when the agent is at capacity.");
        CliHost.AddHelpSection(root, "metrics: --metrics-listen 127.0.0.1:9464 serves GET /metrics for Prometheus on its own listener (the Unix socket and --urls do not answer /metrics, and the metrics listener answers nothing else); metric names and labels: deploy/README.md.");
        return root;
    }

    private static AgentOptions Bind(SymbolResult result)
    {
        var options = new AgentOptions
        {
            Socket = result.GetValue(Socket) is var socket && socket == "none" ? null : socket,
            SocketGroup = result.GetValue(SocketGroup),
            AllowedUids = result.GetValue(AllowUids) ?? [],
            Urls = result.GetValue(Urls) ?? [],
            TlsCertificate = result.GetValue(TlsCertificate),
            TlsKey = result.GetValue(TlsKey),
            TokenFile = result.GetValue(TokenFile),
            ClientCa = result.GetValue(ClientCa),
            MaxConnections = result.GetValue(MaxConnections),
            MaxConnectionsPerCaller = result.GetValue(MaxConnectionsPerCaller),
            MaxStreams = result.GetValue(MaxStreams),
            MaxStreamsPerCaller = result.GetValue(MaxStreamsPerCaller),
            MaxTraces = result.GetValue(MaxTraces),
            MaxTracesPerCaller = result.GetValue(MaxTracesPerCaller),
            RequestsPerSecond = result.GetValue(Rate),
            ClientQueue = result.GetValue(ClientQueue),
            RingSize = result.GetValue(RingSize),
            SpareRings = result.GetValue(SpareRings),
            Kubernetes = result.GetValue(Kubernetes) ?? "auto",
            Kubeconfig = result.GetValue(Kubeconfig),
            Node = result.GetValue(Node),
            MetricsListen = result.GetValue(MetricsListen),
            MetricsAllowRemote = result.GetValue(MetricsAllowRemote),
        };
        options.Validate();
        return options;
    }

    private static AgentOptions Bind(ParseResult result) => Bind(result.RootCommandResult);

    private static System.Net.IPEndPoint? ParseEndPoint(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        // IP:PORT only (an IPv6 address in brackets): a port is required and no name is resolved.
        if (!System.Net.IPEndPoint.TryParse(text, out var endpoint) || !text.Contains(':', StringComparison.Ordinal) || text.EndsWith(']') || (endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !text.StartsWith('[')))
        {
            result.AddError($"--metrics-listen {text}: expected IP:PORT (e.g. 127.0.0.1:9464 or [::1]:9464; port 0 picks a free one).");
            return null;
        }
        return endpoint;
    }

    private static uint[] ParseUids(ArgumentResult result)
    {
        var uids = new List<uint>();
        foreach (var token in result.Tokens)
        {
            if (!uint.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
            {
                result.AddError($"--allow-uid needs a numeric uid, not '{token.Value}'.");
                return [];
            }
            uids.Add(uid);
        }
        return [.. uids];
    }

    private static Uri[] ParseUrls(ArgumentResult result)
    {
        var urls = new List<Uri>();
        foreach (var text in result.Tokens.SelectMany(t => t.Value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                result.AddError($"--urls {text}: expected https://IP:PORT.");
                return [];
            }
            if (url.Scheme == "http")
            {
                result.AddError(
                    $"--urls: refusing to listen on {text} without TLS: anyone who can reach the port could read every container's syscalls. " +
                    "Use https://IP:PORT with --tls-cert FILE and --token-file FILE (or --client-ca FILE), or the Unix socket.");
                return [];
            }
            if (!System.Net.IPAddress.TryParse(url.Host.Trim('[', ']'), out _))
            {
                result.AddError($"--urls {text}: the host must be an IP address (no name resolution).");
                return [];
            }
            urls.Add(url);
        }
        return [.. urls];
    }
}
