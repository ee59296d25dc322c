using System.Net.Http.Json;
using System.Net.Sockets;
using Gadget.Agent;
using Microsoft.AspNetCore.Builder;

namespace Gadget.Tracers.Tests;

/// <summary>The node agent running in this process on a Unix socket, and an HTTP client for it.</summary>
internal sealed class AgentInProcess : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gadget-agent-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly WebApplication _app;

    private AgentInProcess(string[] arguments)
    {
        Directory.CreateDirectory(_directory);
        var socket = Path.Combine(_directory, "agent.sock");
        _app = AgentApp.Build(["--socket", socket, .. arguments]);
        Client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancellationToken);
                return new NetworkStream(s, ownsSocket: true);
            },
        })
        { BaseAddress = new Uri("http://agent/") };
    }

    internal HttpClient Client { get; }

    /// <summary>Starts the agent with <paramref name="arguments"/> besides its socket.</summary>
    internal static async Task<AgentInProcess> StartAsync(params string[] arguments)
    {
        var agent = new AgentInProcess(arguments);
        await agent._app.StartAsync();
        return agent;
    }

    /// <summary>Starts a trace of the containers whose id starts with <paramref name="idPrefix"/>; returns the trace's id.</summary>
    internal async Task<string> StartTraceAsync(string idPrefix)
    {
        using var response = await Client.PostAsJsonAsync("traces", new { id = idPrefix });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /traces answered {(int)response.StatusCode}: {body}");
        using var document = System.Text.Json.JsonDocument.Parse(body);
        return document.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Stops a trace.</summary>
    internal async Task StopTraceAsync(string id)
    {
        using var response = await Client.DeleteAsync($"traces/{id}");
        Assert.True(response.IsSuccessStatusCode, $"DELETE /traces/{id} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>A container's history as JSON lines, or the status and text of the answer.</summary>
    internal async Task<(bool Ok, string Text)> HistoryAsync(string container)
    {
        using var response = await Client.GetAsync($"containers/{container}/history?output=json");
        return (response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
