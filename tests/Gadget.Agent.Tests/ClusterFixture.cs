using Gadget.Client;

namespace Gadget.Agent.Tests;

/// <summary>
/// A two-node "cluster" on this machine: two real agents (processes of their own, each with its own TLS certificate on
/// its own loopback port, the same token as a DaemonSet's pods share) standing for the pods gadget-agent-a on node-a and
/// gadget-agent-b on node-b, behind <see cref="FakeClusterApiServer"/>; a kubeconfig for it; the agents' token file.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gadget-cluster-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<AgentProcess> _agents = [];
    private readonly Dictionary<string, int> _ports = [];

    internal FakeClusterApiServer Server { get; private set; } = null!;

    public string Kubeconfig { get; private set; } = "";

    /// <summary>The agents' token (the same file both were started with).</summary>
    public string TokenFile { get; private set; } = "";

    public string Directory => _directory;

    /// <summary>The loopback port of each node's agent.</summary>
    public IReadOnlyDictionary<string, int> AgentPorts => _ports;

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(_directory);
        Server = await FakeClusterApiServer.StartAsync(_directory);
        Kubeconfig = Server.WriteKubeconfig("kubeconfig");
        foreach (var node in (string[])["node-a", "node-b"])
        {
            var (agent, port) = await StartAgentAsync(node);
            _agents.Add(agent);
            _ports[node] = port;
            Server.SetPod("gadget", "gadget-agent-" + node[^1], node, port);
        }
    }

    /// <summary>Starts an agent for <paramref name="node"/> on a free loopback port with its own certificate and the shared token.</summary>
    internal async Task<(AgentProcess Agent, int Port)> StartAgentAsync(string node)
    {
        var tls = new TlsFiles(Path.Combine(_directory, node));
        if (TokenFile.Length == 0)
        {
            TokenFile = tls.Token;
        }
        else
        {
            File.Copy(TokenFile, tls.Token, overwrite: true);
        }
        var url = TlsFiles.FreeLoopbackUrl();
        var socket = Path.Combine(_directory, node, "agent.sock");
        var agent = AgentProcess.Start(["--socket", socket, "--node", node, "--kubernetes", "off", .. tls.AgentArgs(url)]);
        Assert.True(await agent.WaitAnsweringAsync(socket, Timeout), $"the agent of {node} did not answer:\n{agent.Output}");
        return (agent, new Uri(url).Port);
    }

    /// <summary>Runs the client in this process with the cluster's kubeconfig and the agents' token, then <paramref name="args"/>.</summary>
    public async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await GadgetCli.RunAsync(["--kubeconfig", Kubeconfig, "--token-file", TokenFile, .. args], output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    public async Task DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        System.IO.Directory.Delete(_directory, recursive: true);
    }
}
