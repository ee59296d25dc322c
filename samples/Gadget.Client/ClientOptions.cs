using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Gadget.CommandLine;

namespace Gadget.Client;

/// <summary>
/// The root's options that say which agents a command talks to: one agent (<c>--agent</c>, with <c>--token-file</c>,
/// <c>--ca-cert</c>, <c>--client-cert/--client-key</c> for https), or every node's through the Kubernetes API server
/// (<c>--kubeconfig FILE</c> or <c>--cluster</c>, with <c>--context</c>, <c>--agent-namespace</c>,
/// <c>--agent-selector</c>, <c>--agent-port</c>, <c>--node</c>). All are recursive: they may follow the command too.
/// </summary>
internal sealed class ClientOptions
{
    private readonly Option<string> _agent = new("--agent") { Description = "the agent: unix:PATH or https://IP:PORT", HelpName = "ADDRESS", DefaultValueFactory = _ => GadgetCli.DefaultAgent, Recursive = true };
    private readonly Option<string?> _tokenFile = new("--token-file") { Description = $"https and cluster: the agent's token in FILE's first line (default: ${AgentConnection.TokenVariable}); https sends it as a bearer token, the cluster in the {ClusterConnection.AgentTokenHeader} header", HelpName = "FILE", Recursive = true };
    private readonly Option<string?> _caCert = new("--ca-cert") { Description = "https: trust the agent's certificate when it chains to this PEM certificate", HelpName = "FILE", Recursive = true };
    private readonly Option<string?> _clientCert = new("--client-cert") { Description = "https: present this PEM client certificate (mutual TLS)", HelpName = "FILE", Recursive = true };
    private readonly Option<string?> _clientKey = new("--client-key") { Description = "its PEM private key, when not in --client-cert", HelpName = "FILE", Recursive = true };
    private readonly Option<string?> _kubeconfig = new("--kubeconfig") { Description = "every node's agent through this kubeconfig's API server (pod proxy), merged with a NODE column / k8s.node field", HelpName = "FILE", Recursive = true };
    private readonly Option<bool> _cluster = new("--cluster") { Description = "as --kubeconfig, with $KUBECONFIG or ~/.kube/config", Recursive = true };
    private readonly Option<string?> _context = new("--context") { Description = "cluster: the kubeconfig context (default: its current-context)", HelpName = "NAME", Recursive = true };
    private readonly Option<string> _namespace = new("--agent-namespace") { Description = "cluster: the agent pods' namespace", HelpName = "NS", DefaultValueFactory = _ => ClusterOptions.DefaultNamespace, Recursive = true };
    private readonly Option<string> _selector = new("--agent-selector") { Description = "cluster: the agent pods' label selector", HelpName = "K=V[,K=V]", DefaultValueFactory = _ => ClusterOptions.DefaultLabelSelector, Recursive = true };
    private readonly Option<int> _port = new("--agent-port")
    {
        Description = "cluster: the agents' TLS port in their pods (their --urls https://0.0.0.0:PORT)",
        HelpName = "PORT",
        DefaultValueFactory = _ => ClusterOptions.DefaultPort,
        Recursive = true,
        CustomParser = ParsePort,
    };

    private readonly Option<string[]> _nodes = new("--node") { Description = "cluster: only this node's agent (repeatable; default: every node's)", HelpName = "NAME", DefaultValueFactory = _ => [], Recursive = true };

    /// <summary>Adds the options to the root command, with the checks of what goes together.</summary>
    public ClientOptions(RootCommand root)
    {
        _agent.Validators.Add(r =>
        {
            if (AgentAddress.Problem(r.GetValueOrDefault<string>()) is { } problem)
            {
                r.AddError("--agent " + problem);
            }
        });
        _selector.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string>();
            if (value.Length == 0 || value.Split(',').Any(term => term.Trim().Length == 0 || term.Any(char.IsWhiteSpace)))
            {
                r.AddError($"--agent-selector is a Kubernetes label selector (app=gadget-agent[,k=v]), not '{value}'.");
            }
        });
        foreach (var option in (Option[])[_agent, _tokenFile, _caCert, _clientCert, _clientKey, _kubeconfig, _cluster, _context, _namespace, _selector, _port, _nodes])
        {
            root.Options.Add(option);
        }
    }

    /// <summary>Checks, on each command that talks to agents, that the options given go together.</summary>
    public void Validate(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Validators.Add(r =>
        {
            var cluster = r.GetResult(_kubeconfig) is not null || r.GetValue(_cluster);
            if (cluster && r.GetResult(_agent) is { Implicit: false })
            {
                r.AddError("--agent talks to one agent; --kubeconfig and --cluster to every node's through the API server: give one of them.");
            }
            foreach (var only in (Option[])[_context, _namespace, _selector, _port, _nodes])
            {
                if (!cluster && r.GetResult(only) is { Implicit: false })
                {
                    r.AddError($"{only.Name} is for the cluster: give --kubeconfig FILE or --cluster too.");
                    return;
                }
            }
            foreach (var direct in (Option[])[_caCert, _clientCert, _clientKey])
            {
                if (cluster && r.GetResult(direct) is { Implicit: false })
                {
                    r.AddError($"{direct.Name} is for --agent https://...; through the API server the kubeconfig's certificates are used.");
                    return;
                }
            }
        });
    }

    /// <summary>The agents of the parsed command line.</summary>
    public Task<AgentTargets> ConnectAsync(ParseResult result, CancellationToken cancellationToken) =>
        result.GetValue(_kubeconfig) is not null || result.GetValue(_cluster) ? ClusterAsync(result, cancellationToken) : Task.FromResult(Agent(result));

    private AgentTargets Agent(ParseResult result)
    {
        var agent = result.GetValue(_agent)!;
        AgentAddress.CheckUnixSocket(agent);
        try
        {
            var http = GadgetCli.CreateHttpClient(agent, Connection(result));
            return new AgentTargets([new AgentTarget(null, http)], e => AgentAddress.Unreachable(agent, e));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new CommandLineException(e.Message, CliHost.Usage);
        }
    }

    private async Task<AgentTargets> ClusterAsync(ParseResult result, CancellationToken cancellationToken)
    {
        string? token;
        try
        {
            token = Connection(result).ReadToken();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandLineException($"--token-file: {e.Message}", CliHost.Usage);
        }
        ClusterConnection cluster;
        try
        {
            cluster = ClusterConnection.Open(new ClusterOptions
            {
                Kubeconfig = result.GetValue(_kubeconfig),
                Context = result.GetValue(_context),
                Namespace = result.GetValue(_namespace)!,
                LabelSelector = result.GetValue(_selector)!,
                Port = result.GetValue(_port),
                Nodes = result.GetValue(_nodes) ?? [],
                AgentToken = token,
            });
        }
        catch (ClusterException e)
        {
            throw new CommandLineException(e.Message, e.IsUsage ? CliHost.Usage : CliHost.Failure);
        }
        try
        {
            var pods = await cluster.ListAgentsAsync(cancellationToken);
            var targets = pods.Select(p => new AgentTarget(p.Node, cluster.CreateHttpClient(p))).ToList();
            return new AgentTargets(targets, e => cluster.Unreachable(e).Message, cluster);
        }
        catch (ClusterException e)
        {
            cluster.Dispose();
            throw new CommandLineException(e.Message, CliHost.Failure);
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    private AgentConnection Connection(ParseResult result) => new()
    {
        TokenFile = result.GetValue(_tokenFile),
        CaCertificate = result.GetValue(_caCert),
        ClientCertificate = result.GetValue(_clientCert),
        ClientKey = result.GetValue(_clientKey),
    };

    private static int ParsePort(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            result.AddError($"--agent-port is a TCP port from 1 to 65535, not '{text}'.");
            return 0;
        }
        return port;
    }
}
