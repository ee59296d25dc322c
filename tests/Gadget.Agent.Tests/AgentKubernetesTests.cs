using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gadget.Containers.Kubernetes.Tests;
using Gadget.Containers.Tests;

namespace Gadget.Agent.Tests;

/// <summary>The agent started with <c>--kubeconfig</c> and <c>--node</c> against a loopback server speaking the Kubernetes
/// API: containerd pods' containers are selected by labels only the API server knows.</summary>
public sealed class AgentKubernetesTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AgentWithKubeconfig_TracesContainersByApiLabels_AlsoWhenThePodGetsTheLabelLater()
    {
        await using var server = new FakeApiServer();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var node = "node-" + tag;
        server.SetPod(node, "shop", "cart-" + tag, "uid-cart-" + tag, new Dictionary<string, string> { ["app"] = "shop-" + tag });
        server.SetPod(node, "shop", "late-" + tag, "uid-late-" + tag, new Dictionary<string, string> { ["app"] = "other" });
        var directory = Directory.CreateTempSubdirectory("gadget-agentk8s-");
        var socket = Path.Combine(directory.FullName, "agent.sock");
        var app = AgentApp.Build(["--socket", socket, "--kubeconfig", server.Kubeconfig, "--node", node]);
        await app.StartAsync();
        try
        {
            using var http = Gadget.Client.GadgetCli.CreateHttpClient("unix:" + socket);
            var created = await http.PostAsJsonAsync("traces", new { labels = "app=shop-" + tag });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var traceId = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();

            using var cart = RuncContainer.Run(RuncContainer.NewId("agentk8s"), ["sleep", "60"], CriAnnotations.Containerd("shop", "cart-" + tag, "uid-cart-" + tag, "cart-" + tag));
            using var late = RuncContainer.Run(RuncContainer.NewId("agentk8s"), ["sleep", "60"], CriAnnotations.Containerd("shop", "late-" + tag, "uid-late-" + tag, "late-" + tag));
            Assert.True(await PollAsync(async () => (await TracedAsync(http, traceId!)).Contains("cart-" + tag)), "the trace never recorded the container of the pod with the label");

            // The container list shows the label that only the API server knew.
            var containers = JsonDocument.Parse(await http.GetStringAsync("containers")).RootElement.EnumerateArray().ToList();
            var listed = Assert.Single(containers, c => c.GetProperty("id").GetString() == cart.Id);
            Assert.Equal("shop-" + tag, listed.GetProperty("labels").GetProperty("app").GetString());
            Assert.DoesNotContain("late-" + tag, await TracedAsync(http, traceId!));

            // The other pod gets the label: its running container joins the trace.
            server.SetPod(node, "shop", "late-" + tag, "uid-late-" + tag, new Dictionary<string, string> { ["app"] = "shop-" + tag });
            Assert.True(await PollAsync(async () => (await TracedAsync(http, traceId!)).Contains("late-" + tag)), "the container whose pod got the label later never joined the trace");
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            directory.Delete(recursive: true);
        }
    }

    private static async Task<List<string>> TracedAsync(HttpClient http, string traceId)
    {
        var traces = JsonDocument.Parse(await http.GetStringAsync("traces")).RootElement.EnumerateArray();
        var trace = traces.Single(t => t.GetProperty("id").GetString() == traceId);
        return [.. trace.GetProperty("containers").EnumerateArray().Select(c => c.GetString()!)];
    }

    private static async Task<bool> PollAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(100);
        }
        return false;
    }
}
