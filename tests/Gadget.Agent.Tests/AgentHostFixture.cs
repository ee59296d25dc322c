using Gadget.Client;
using Microsoft.AspNetCore.Builder;

namespace Gadget.Agent.Tests;

/// <summary>One agent in this process, listening on a Unix socket in a temp dir and on a free loopback port (TLS + token).</summary>
public sealed class AgentHostFixture : IAsyncLifetime
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "gadget-agent-" + Guid.NewGuid().ToString("N")[..12]);
    private WebApplication? app;

    public string SocketAgent => "unix:" + Path.Combine(directory, "agent.sock");

    /// <summary>The client's flags for the agent's https endpoint (its URL, token and certificate).</summary>
    public string[] HttpsAgent { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(directory);
        var url = TlsFiles.FreeLoopbackUrl();
        var tls = new TlsFiles(Path.Combine(directory, "tls"));
        HttpsAgent = tls.ClientArgs(url);
        app = AgentApp.Build(["--socket", Path.Combine(directory, "agent.sock"), .. tls.AgentArgs(url)]);
        await app.StartAsync();
    }

    /// <summary>Runs a client command to completion; returns its exit code, output and error text.</summary>
    public async Task<(int ExitCode, string Output, string Error)> RunClientAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await GadgetCli.RunAsync(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Directory.Delete(directory, recursive: true);
    }
}
