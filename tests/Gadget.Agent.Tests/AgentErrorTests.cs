using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gadget.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gadget.Agent.Tests;

/// <summary>Bad requests get a 4xx with a message, server failures a 5xx with a reason, limits a 429 or 503 that says which.</summary>
[Collection("agent processes")]
public sealed class AgentErrorTests : IAsyncLifetime
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gadget-errors-");
    private WebApplication? _app;
    private HttpClient? _http;

    private HttpClient Http => _http!;

    public async Task InitializeAsync()
    {
        var socket = Path.Combine(_directory.FullName, "agent.sock");
        _app = AgentApp.Build(["--socket", socket, "--max-traces", "1", "--rate", "0"]);
        // A handler that fails the way a bug would, to see what a client gets from a server error.
        _app.MapGet("/test/fail", () => { throw new InvalidOperationException("forced failure for the test"); });
        await _app.StartAsync();
        _http = GadgetCli.CreateHttpClient("unix:" + socket);
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _directory.Delete(recursive: true);
    }

    [Theory]
    [InlineData("gadgets/opensnoop?labels=app", 400, "is not key=value")]
    [InlineData("gadgets/opensnoop?containerindex=first", 400, "containerindex 'first' is not a number")]
    [InlineData("gadgets/opensnoop?colour=red", 400, "unknown query parameter 'colour'")]
    [InlineData("gadgets/nosuchsnoop", 404, "unknown gadget 'nosuchsnoop'")]
    [InlineData("containers/whatever/history?output=xml", 400, "output is text or json")]
    [InlineData("containers/whatever/history?stringLimit=-1", 400, "stringLimit is a whole number from 0 to 2147483647, not '-1'")]
    [InlineData("containers/whatever/history?stringLimit=1&stringLimit=2", 400, "stringLimit is given more than once")]
    [InlineData("containers/whatever/history?durations=yes", 400, "durations is true or false, not 'yes'")]
    [InlineData("containers/whatever/history?time=tttt", 400, "time is t, tt or ttt (strace's -t, -tt, -ttt), not 'tttt'")]
    [InlineData("containers/whatever/history?trace=openat,nosuchcall", 400, "trace: unknown syscall 'nosuchcall'.")]
    [InlineData("containers/whatever/history?trace=%2F(a%2B)%2B%5B", 400, "trace: '/(a+)+[': the regular expression '(a+)+[' does not compile")]
    [InlineData("containers/whatever/history?trace=%2F(%5Cw)%5C1", 400, "is not supported: backreferences, lookarounds")] // the body is JSON: its backslashes are escaped
    [InlineData("containers/whatever/history?trace=signal%3Dnone", 400, "trace: takes trace=SET only (strace's signal= is not supported)")]
    [InlineData("containers/whatever/history?colour=red", 400, "unknown query parameter 'colour' (known: output, stringLimit, durations, time, trace)")]
    [InlineData("containers/nosuchcontainer/history", 404, "no trace records a container 'nosuchcontainer'")]
    [InlineData("no/such/endpoint", 404, "no such endpoint: GET /no/such/endpoint")]
    public async Task BadGet_IsA4xxWithAMessage(string path, int status, string message)
    {
        using var response = await Http.GetAsync(path);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"labels\": ", "Failed to read parameter")]
    [InlineData("{\"colour\": \"red\"}", "'colour' could not be mapped")]
    [InlineData("{\"labels\": \"app\"}", "is not key=value")]
    [InlineData("{\"containerIndex\": -1}", "containerIndex -1 is negative")]
    [InlineData("[1, 2]", "Failed to read parameter")]
    [InlineData("{\"exitTimestamps\": \"yes\"}", "$.exitTimestamps")]
    public async Task BadTraceRequest_Is400WithAMessage(string body, string message)
    {
        using var response = await Http.PostAsync("traces", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongMethodAndUnknownTrace_SayWhat()
    {
        using var put = await Http.PutAsync("traces", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
        Assert.Contains("does not answer PUT", await put.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var delete = await Http.DeleteAsync("traces/424242");
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        Assert.Contains("no trace '424242'", await delete.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerError_Is500WithTheReason()
    {
        using var response = await Http.GetAsync("test/fail");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(500, problem.GetProperty("status").GetInt32());
        Assert.Contains("InvalidOperationException: forced failure for the test", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TracesAboveTheLimit_Are503WithTheReason()
    {
        using var first = await Http.PostAsJsonAsync("traces", new { id = "gadget-limit-" + Guid.NewGuid().ToString("N")[..8] });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var id = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        try
        {
            using var second = await Http.PostAsJsonAsync("traces", new { id = "gadget-limit-other" });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
            Assert.Contains("at most 1 (--max-traces)", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            using var stop = await Http.DeleteAsync($"traces/{id}");
            Assert.Equal(HttpStatusCode.NoContent, stop.StatusCode);
        }
    }

    [Fact]
    public async Task RequestsAboveTheRate_Are429WithTheReason()
    {
        var socket = Path.Combine(_directory.FullName, "rate.sock");
        await using var app = AgentApp.Build(["--socket", socket, "--rate", "1"]);
        await app.StartAsync();
        using var http = GadgetCli.CreateHttpClient("unix:" + socket);
        // A burst of 2, then refusals until a token comes back (one per second): 5 requests at once cannot all pass.
        var statuses = new List<HttpStatusCode>();
        string? refusal = null;
        for (var i = 0; i < 5; i++)
        {
            using var response = await http.GetAsync("traces");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refusal = await response.Content.ReadAsStringAsync();
            }
        }
        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Contains("too many requests from uid:0: at most 1 per second", refusal, StringComparison.Ordinal);
        await app.StopAsync();
    }
}
