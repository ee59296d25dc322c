namespace Gadget.Agent;

/// <summary>The agent's settings (its command line: <see cref="AgentCommandLine"/>): where it listens, who may ask, and how much.</summary>
public sealed record AgentOptions
{
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

    /// <summary>Traces at once per caller (who started them; a trace outlives its caller's connection).</summary>
    public int MaxTracesPerCaller { get; init; } = 8;

    /// <summary>Requests per second per caller (0: no limit).</summary>
    public int RequestsPerSecond { get; init; } = 50;

    /// <summary>Events queued per stream client.</summary>
    public int ClientQueue { get; init; } = 4096;

    /// <summary>traceloop's spare rings (<c>--spare-rings</c>, <see cref="Gadget.Traceloop.TraceloopOptions.SpareRings"/>).</summary>
    public int SpareRings { get; init; } = 4;

    /// <summary>The gadgets' ring buffer size (0: the gadget's default).</summary>
    public int RingSize { get; init; }

    /// <summary><c>--kubernetes</c>.</summary>
    public string Kubernetes { get; init; } = "auto";

    /// <summary><c>--kubeconfig</c>.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary><c>--node</c>.</summary>
    public string? Node { get; init; }

    /// <summary>Where <c>GET /metrics</c> (Prometheus text format) is served over plain HTTP (<c>--metrics-listen</c>); null: nowhere.</summary>
    public System.Net.IPEndPoint? MetricsListen { get; init; }

    /// <summary>Whether <see cref="MetricsListen"/> may be a non-loopback address (<c>--metrics-allow-remote</c>).</summary>
    public bool MetricsAllowRemote { get; init; }

    /// <summary>Checks the options that only make sense together.</summary>
    /// <exception cref="AgentUsageException">TCP without TLS and a way to authenticate, TLS files without TCP, a per-caller limit above its total,
    /// metrics on a non-loopback address without <see cref="MetricsAllowRemote"/>.</exception>
    internal void Validate()
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
        if (MetricsListen is { } metrics && !System.Net.IPAddress.IsLoopback(metrics.Address) && !MetricsAllowRemote)
        {
            throw new AgentUsageException($"--metrics-listen {metrics}: not a loopback address; the metrics are served without TLS or authentication to anyone who reaches it. Add --metrics-allow-remote to mean it");
        }
        if (MetricsAllowRemote && MetricsListen is null)
        {
            throw new AgentUsageException("--metrics-allow-remote is for --metrics-listen IP:PORT; there is no --metrics-listen");
        }
        if (MaxConnectionsPerCaller > MaxConnections || MaxStreamsPerCaller > MaxStreams)
        {
            throw new AgentUsageException("a per-caller limit is above its total");
        }
    }
}
