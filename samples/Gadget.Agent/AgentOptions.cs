using System.Globalization;

namespace Gadget.Agent;

/// <summary>The agent's command line: where it listens, who may ask, and how much.</summary>
public sealed record AgentOptions
{
    /// <summary>What <c>gadget-agent --help</c> prints.</summary>
    public const string Usage = """
        usage: gadget-agent [options]
        Serves traceloop and the gadgets of this node over HTTP on a Unix socket (and, with TLS, on TCP).

        access
          --socket PATH|none          the Unix socket (default /run/gadget/agent.sock); created 0600 root-only
          --socket-group NAME|GID     also let this group's members in (socket 0660, group NAME)
          --allow-uid UID             also let this uid in (repeatable; the socket becomes 0666 and the peer's
                                      uid, read with SO_PEERCRED, decides: others get 403)
          --urls https://IP:PORT      also listen on TCP (';'-separated); needs --tls-cert and --token-file or
                                      --client-ca. Plain http:// is refused.
          --tls-cert FILE             the server certificate (PEM; the key in --tls-key FILE or in the same file)
          --tls-key FILE              the server certificate's private key (PEM)
          --token-file FILE           TCP clients send 'Authorization: Bearer <the file's first line>'
          --client-ca FILE            TCP clients present a certificate issued by this CA (PEM): mutual TLS
        limits (429: too many for this caller; 503: the agent is at capacity)
          --max-connections N         connections at once, all callers (default 256)
          --max-connections-per-caller N   per uid (Unix socket) or remote address (TCP) (default 32)
          --max-streams N             gadget streams at once (default 64)
          --max-streams-per-caller N  (default 16)
          --max-traces N              traces at once (default 32)
          --rate N                    requests per second per caller, bursts of 2N (default 50; 0: no limit)
          --client-queue N            events queued per stream client before they are dropped and reported
                                      as lost (default 4096)
          --ring-size BYTES           the gadgets' events ring buffer (power of two >= 4096; default: the gadget's)
        kubernetes
          --kubernetes auto|off       pod labels from the API server (default auto: in a pod, or with --kubeconfig)
          --kubeconfig PATH           the API server to ask
          --node NAME                 this node's name (default: $NODE_NAME)
          -h, --help                  this text
        """;

    /// <summary>The default Unix socket.</summary>
    public const string DefaultSocket = "/run/gadget/agent.sock";

    /// <summary>The Unix socket's path; null: none (<c>--socket none</c>).</summary>
    public string? Socket { get; init; } = DefaultSocket;

    /// <summary>The group whose members may connect (name or number), or null.</summary>
    public string? SocketGroup { get; init; }

    /// <summary>Non-root uids that may connect.</summary>
    public IReadOnlyList<uint> AllowedUids { get; init; } = [];

    /// <summary>TCP endpoints (https only).</summary>
    public IReadOnlyList<Uri> Urls { get; init; } = [];

    /// <summary>The TLS certificate file (PEM).</summary>
    public string? TlsCertificate { get; init; }

    /// <summary>The TLS key file (PEM), when not in <see cref="TlsCertificate"/>.</summary>
    public string? TlsKey { get; init; }

    /// <summary>The file holding the bearer token TCP clients must send.</summary>
    public string? TokenFile { get; init; }

    /// <summary>The CA (PEM) TCP clients' certificates must chain to.</summary>
    public string? ClientCa { get; init; }

    /// <summary>Connections at once.</summary>
    public int MaxConnections { get; init; } = 256;

    /// <summary>Connections at once per caller.</summary>
    public int MaxConnectionsPerCaller { get; init; } = 32;

    /// <summary>Gadget streams at once.</summary>
    public int MaxStreams { get; init; } = 64;

    /// <summary>Gadget streams at once per caller.</summary>
    public int MaxStreamsPerCaller { get; init; } = 16;

    /// <summary>Traces at once.</summary>
    public int MaxTraces { get; init; } = 32;

    /// <summary>Requests per second per caller (0: no limit).</summary>
    public int RequestsPerSecond { get; init; } = 50;

    /// <summary>Events queued per stream client.</summary>
    public int ClientQueue { get; init; } = 4096;

    /// <summary>The gadgets' ring buffer size (0: the gadget's default).</summary>
    public int RingSize { get; init; }

    /// <summary><c>--kubernetes</c>.</summary>
    public string Kubernetes { get; init; } = "auto";

    /// <summary><c>--kubeconfig</c>.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary><c>--node</c>.</summary>
    public string? Node { get; init; }

    /// <summary>Whether the arguments ask for the usage text.</summary>
    public static bool IsHelp(IReadOnlyList<string> args) => args.Any(a => a is "-h" or "--help");

    /// <summary>Parses the command line (<c>--flag value</c> or <c>--flag=value</c>).</summary>
    /// <exception cref="AgentUsageException">An unknown flag, a missing or bad value, or TCP without TLS and a token.</exception>
    public static AgentOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new AgentOptions();
        var uids = new List<uint>();
        var urls = new List<Uri>();
        for (var i = 0; i < args.Count; i++)
        {
            var flag = args[i];
            string? inline = null;
            if (flag.StartsWith("--", StringComparison.Ordinal) && flag.IndexOf('=', StringComparison.Ordinal) is > 2 and var equals)
            {
                inline = flag[(equals + 1)..];
                flag = flag[..equals];
            }
            string Value() => inline ?? (i + 1 < args.Count ? args[++i] : throw new AgentUsageException($"{flag} needs a value"));
            int Number(int min) => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
                ? n
                : throw new AgentUsageException($"{flag} needs a whole number >= {min}");
            options = flag switch
            {
                "--socket" => options with { Socket = NoneAsNull(Value()) },
                "--socket-group" => options with { SocketGroup = Value() },
                "--allow-uid" => AddUid(options, uids, Value()),
                "--urls" => AddUrls(options, urls, Value()),
                "--tls-cert" => options with { TlsCertificate = Value() },
                "--tls-key" => options with { TlsKey = Value() },
                "--token-file" => options with { TokenFile = Value() },
                "--client-ca" => options with { ClientCa = Value() },
                "--max-connections" => options with { MaxConnections = Number(1) },
                "--max-connections-per-caller" => options with { MaxConnectionsPerCaller = Number(1) },
                "--max-streams" => options with { MaxStreams = Number(1) },
                "--max-streams-per-caller" => options with { MaxStreamsPerCaller = Number(1) },
                "--max-traces" => options with { MaxTraces = Number(1) },
                "--rate" => options with { RequestsPerSecond = Number(0) },
                "--client-queue" => options with { ClientQueue = Number(1) },
                "--ring-size" => options with { RingSize = CheckRingSize(Number(1)) },
                "--kubernetes" => options with { Kubernetes = KubernetesMode(Value()) },
                "--kubeconfig" => options with { Kubeconfig = Value() },
                "--node" => options with { Node = Value() },
                _ => throw new AgentUsageException($"unknown option '{args[i]}'"),
            };
        }
        options = options with { AllowedUids = uids, Urls = urls };
        options.Validate();
        return options;
    }

    private static AgentOptions AddUid(AgentOptions options, List<uint> uids, string value)
    {
        if (!uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
        {
            throw new AgentUsageException($"--allow-uid needs a numeric uid, not '{value}'");
        }
        uids.Add(uid);
        return options;
    }

    private static AgentOptions AddUrls(AgentOptions options, List<Uri> urls, string value)
    {
        foreach (var text in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                throw new AgentUsageException($"--urls {text}: expected https://IP:PORT");
            }
            if (url.Scheme == "http")
            {
                throw new AgentUsageException(
                    $"--urls: refusing to listen on {text} without TLS: anyone who can reach the port could read every container's syscalls. " +
                    "Use https://IP:PORT with --tls-cert FILE and --token-file FILE (or --client-ca FILE), or the Unix socket.");
            }
            if (!System.Net.IPAddress.TryParse(url.Host.Trim('[', ']'), out _))
            {
                throw new AgentUsageException($"--urls {text}: the host must be an IP address (no name resolution)");
            }
            urls.Add(url);
        }
        return options;
    }

    private static string? NoneAsNull(string value) => value == "none" ? null : value;

    private static string KubernetesMode(string value) => value is "auto" or "on" or "true" or "off" or "false" or "none"
        ? value
        : throw new AgentUsageException($"--kubernetes is auto or off, not '{value}'");

    private static int CheckRingSize(int bytes) => bytes >= 4096 && int.IsPow2(bytes)
        ? bytes
        : throw new AgentUsageException($"--ring-size is a power of two of at least 4096 bytes, not {bytes}");

    private void Validate()
    {
        if (Socket is null && Urls.Count == 0)
        {
            throw new AgentUsageException("nothing to listen on: --socket none and no --urls");
        }
        if (Urls.Count > 0)
        {
            if (TlsCertificate is null)
            {
                throw new AgentUsageException("--urls needs --tls-cert FILE: TCP is served with TLS only");
            }
            if (TokenFile is null && ClientCa is null)
            {
                throw new AgentUsageException("--urls needs --token-file FILE (bearer token) or --client-ca FILE (mutual TLS): TCP clients must authenticate");
            }
        }
        else if (TlsCertificate is not null || TokenFile is not null || ClientCa is not null || TlsKey is not null)
        {
            throw new AgentUsageException("--tls-cert, --tls-key, --token-file and --client-ca are for --urls https://...; there is no --urls");
        }
        if (MaxConnectionsPerCaller > MaxConnections || MaxStreamsPerCaller > MaxStreams)
        {
            throw new AgentUsageException("a per-caller limit is above its total");
        }
    }
}
