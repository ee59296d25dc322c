using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gadget.Client;
using Gadget.Containers.Tests;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace Gadget.Agent.Tests;

/// <summary>
/// <c>--metrics-listen 127.0.0.1:0</c>: an agent process of its own is scraped over loopback TCP and its metrics are checked
/// against what the test did and what the kernel says: requests by caller, endpoint and status (exact), opensnoop events of
/// real opens (at least those the stream delivered), BPF programs loaded (the program ids its file descriptors hold), and a
/// traceloop trace of a runc container (recorded, crashed, its history read, its ring wrapped, spare rings refilled).
/// </summary>
[Collection("agent processes")]
public sealed partial class AgentMetricsTests(ITestOutputHelper output) : IDisposable
{
    private const int Opens = 25;
    private const int ContainerRequests = 5;
    private const int MissingHistoryRequests = 2;
    private const int SpareRings = 3;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly string Nobody = Processes.Nobody.ToString(System.Globalization.CultureInfo.InvariantCulture);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gadget-metrics-");

    private string Socket => Path.Combine(_directory.FullName, "agent.sock");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Scrape_CountsRequestsEventsProgramsAndTraceloop_AsTheClientsAndTheKernelSawThem()
    {
        Processes.Chmod("755", _directory.FullName);
        await using var agent = AgentProcess.Start(
            ["--socket", Socket, "--allow-uid", Nobody, "--rate", "0", "--spare-rings", $"{SpareRings}", "--metrics-listen", "127.0.0.1:0"]);
        Assert.True(await agent.WaitAnsweringAsync(Socket, Timeout), agent.Output);
        var url = await PollAsync(() => MetricsUrl().Match(agent.Output) is { Success: true } m ? m.Groups[1].Value : null);
        Assert.True(url is not null, "the agent did not say where its metrics are:\n" + agent.Output);
        output.WriteLine($"metrics at {url}");
        using var scraper = new HttpClient { BaseAddress = new Uri(url) };
        using var http = GadgetCli.CreateHttpClient("unix:" + Socket);

        // The metrics listener answers /metrics only; the API's socket does not answer /metrics.
        using (var api = await scraper.GetAsync("/containers"))
        {
            Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        }
        using (var onSocket = await http.GetAsync("metrics"))
        {
            Assert.Equal(HttpStatusCode.NotFound, onSocket.StatusCode);
        }

        // Requests by caller, endpoint and status: exactly those made here.
        var before = await ScrapeAsync(scraper);
        for (var i = 0; i < ContainerRequests; i++)
        {
            using var response = await http.GetAsync("containers");
            response.EnsureSuccessStatusCode();
        }
        for (var i = 0; i < MissingHistoryRequests; i++)
        {
            using var response = await http.GetAsync($"containers/metrics-nosuch-{Guid.NewGuid():N}/history");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        var other = Processes.ClientAs(Processes.Nobody, [], "--agent", "unix:" + Socket, "containers");
        Assert.True(other.ExitCode == 0, other.Error);
        var requests = await ScrapeUntilAsync(scraper, s =>
            Requests(s, "uid:0", "/containers", 200) - Requests(before, "uid:0", "/containers", 200) == ContainerRequests &&
            Requests(s, "uid:0", "/containers/{idOrName}/history", 404) - Requests(before, "uid:0", "/containers/{idOrName}/history", 404) == MissingHistoryRequests &&
            Requests(s, $"uid:{Nobody}", "/containers", 200) == 1);
        Assert.Equal(ContainerRequests, Requests(requests, "uid:0", "/containers", 200) - Requests(before, "uid:0", "/containers", 200));
        Assert.Equal(MissingHistoryRequests, Requests(requests, "uid:0", "/containers/{idOrName}/history", 404) - Requests(before, "uid:0", "/containers/{idOrName}/history", 404));
        Assert.Equal(1, Requests(requests, $"uid:{Nobody}", "/containers", 200));

        // opensnoop: real opens of a marker path, seen on the stream, counted by the gadget's meter.
        var marker = Path.Combine(_directory.FullName, "metrics-marker-" + Guid.NewGuid().ToString("N")[..8]);
        using var stream = await http.GetAsync("gadgets/opensnoop", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        using var lines = new StreamReader(await stream.Content.ReadAsStreamAsync());
        using var reading = new CancellationTokenSource(Timeout);
        Assert.Contains("\"type\":\"attached\"", await lines.ReadLineAsync(reading.Token), StringComparison.Ordinal);
        for (var i = 0; i < Opens; i++)
        {
            Assert.Throws<FileNotFoundException>(() => File.OpenHandle(marker).Dispose());
        }
        var (events, markers) = (0, 0);
        while (markers < Opens && await lines.ReadLineAsync(reading.Token) is { } line)
        {
            events += line.Contains("\"type\":\"lost\"", StringComparison.Ordinal) ? 0 : 1;
            markers += line.Contains(marker, StringComparison.Ordinal) ? 1 : 0;
        }
        Assert.Equal(Opens, markers);
        var gadgets = await ScrapeAsync(scraper);
        output.WriteLine($"opensnoop: {events} events read by the stream, {gadgets.Sum("gadget_gadgets_events_total", ("gadget", "opensnoop"))} counted");
        Assert.True(gadgets.Sum("gadget_gadgets_events_total", ("gadget", "opensnoop")) >= events);

        // traceloop: a trace of one runc container that makes many syscalls and exits 3 (a crash).
        var prefix = RuncContainer.NewId("metrics");
        var trace = Processes.Run(Processes.Client, ["--agent", "unix:" + Socket, "traceloop", "start", "--id", prefix]);
        Assert.True(trace.ExitCode == 0, trace.Error);
        var spare = await ScrapeUntilAsync(scraper, s => s.Sum("gadget_traceloop_rings_spare") == SpareRings);
        Assert.Equal(SpareRings, spare.Sum("gadget_traceloop_rings_spare"));
        Assert.Equal(0, spare.Sum("gadget_traceloop_containers_recorded_total"));

        // Programs loaded now (opensnoop's, traceloop's, the container collection's): as many as the program ids the
        // agent's file descriptors hold, read from its /proc/PID/fdinfo.
        var programs = await ScrapeUntilAsync(scraper, s => s.Sum("gadget_bpf_programs_loaded") == BpfObjectIds.HeldBy(agent.Pid).Programs.Count);
        var held = BpfObjectIds.HeldBy(agent.Pid).Programs.Count;
        output.WriteLine($"programs loaded: {string.Join(", ", programs.Find("gadget_bpf_programs_loaded").Select(s => $"{s.Labels["object"]} {s.Value}"))}; fdinfo: {held}");
        Assert.Equal(held, programs.Sum("gadget_bpf_programs_loaded"));
        Assert.True(programs.Find("gadget_bpf_programs_loaded").Count(s => s.Value > 0) >= 3, "expected the programs of opensnoop, traceloop and the container collection");

        using (var container = RuncContainer.Run(prefix + "-c", ["sh", "-c", "dd if=/dev/zero of=/dev/null bs=1 count=50000 2>/dev/null; exit 3"]))
        {
            Assert.True(container.WaitStopped(Timeout), "the container did not stop");
            var crashed = await ScrapeUntilAsync(scraper, s => s.Sum("gadget_agent_histories_read_total", ("reason", "crash")) == 1);
            Assert.Equal(1, crashed.Sum("gadget_traceloop_containers_recorded_total"));
            Assert.Equal(1, crashed.Sum("gadget_agent_histories_read_total", ("reason", "crash"), ("wrapped", "true")));
            Assert.True(crashed.Sum("gadget_agent_histories_overwritten_total", ("reason", "crash")) > 0);
            Assert.True(crashed.Sum("gadget_traceloop_rings_used") >= 1);

            // Its history read through the API: what that history says it lacks is what the metric adds.
            var history = await http.GetStringAsync($"containers/{container.Id}/history?output=json");
            using var gaps = JsonDocument.Parse(history.Split('\n')[0]);
            Assert.Equal("gaps", gaps.RootElement.GetProperty("type").GetString());
            var overwritten = gaps.RootElement.GetProperty("overwritten").GetUInt64();
            Assert.True(overwritten > 0, "the container's ring did not wrap: " + history.Split('\n')[0]);
            var read = await ScrapeUntilAsync(scraper, s => s.Sum("gadget_agent_histories_read_total", ("reason", "request")) == 1);
            output.WriteLine($"history read: {overwritten} syscalls overwritten; crash dump: {read.Sum("gadget_agent_histories_overwritten_total", ("reason", "crash"))}");
            Assert.Equal(1, read.Sum("gadget_agent_histories_read_total", ("reason", "request"), ("wrapped", "true")));
            Assert.Equal(overwritten, read.Sum("gadget_agent_histories_overwritten_total", ("reason", "request")));
        }
        Assert.False(agent.HasExited, agent.Output);
    }

    [Fact]
    public async Task Scrape_CountsTheLossesAStreamReported_KernelAndClient()
    {
        // A one-page ring (the kernel drops events in a burst of opens) and a 16-event queue per client (a paused client
        // loses events): every loss the stream reports is counted, per gadget, and nothing else.
        await using var agent = AgentProcess.Start(["--socket", Socket, "--rate", "0", "--ring-size", "4096", "--client-queue", "16", "--metrics-listen", "127.0.0.1:0"]);
        Assert.True(await agent.WaitAnsweringAsync(Socket, Timeout), agent.Output);
        var url = await PollAsync(() => MetricsUrl().Match(agent.Output) is { Success: true } m ? m.Groups[1].Value : null);
        Assert.True(url is not null, "the agent did not say where its metrics are:\n" + agent.Output);
        using var scraper = new HttpClient { BaseAddress = new Uri(url) };
        using var http = GadgetCli.CreateHttpClient("unix:" + Socket);
        using var stream = await http.GetAsync("gadgets/opensnoop", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        using var lines = new StreamReader(await stream.Content.ReadAsStreamAsync());
        Assert.Contains("\"type\":\"attached\"", await lines.ReadLineAsync().WaitAsync(Timeout), StringComparison.Ordinal);

        // The client: reads every line while it is not paused, and adds up the losses the stream reports.
        long kernel = 0, client = 0;
        using var reading = new SemaphoreSlim(0);
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await reading.WaitAsync(stop.Token);
                reading.Release();
                if (await lines.ReadLineAsync(stop.Token) is not { } line)
                {
                    return;
                }
                if (line.StartsWith("{\"type\":\"lost\"", StringComparison.Ordinal))
                {
                    var lost = JsonDocument.Parse(line).RootElement;
                    var count = lost.GetProperty("count").GetInt64();
                    _ = lost.GetProperty("source").GetString() == "kernel" ? Interlocked.Add(ref kernel, count) : Interlocked.Add(ref client, count);
                }
            }
        });
        try
        {
            var flood = Path.Combine(_directory.FullName, "missing");
            var deadline = Stopwatch.StartNew();
            while ((Interlocked.Read(ref kernel) == 0 || Interlocked.Read(ref client) == 0) && deadline.Elapsed < Timeout)
            {
                for (var i = 0; i < 20_000; i++)
                {
                    Assert.Throws<FileNotFoundException>(() => File.OpenHandle(flood).Dispose());
                }
                reading.Release(); // read what is there
                await Task.Delay(500);
                await reading.WaitAsync();
            }
            reading.Release();
            Assert.True(Interlocked.Read(ref kernel) > 0 && Interlocked.Read(ref client) > 0, $"the stream reported kernel {kernel}, client {client} lost events");

            // Once the client has read what was sent, the metrics say what the stream said (other processes' opens may
            // still make the kernel drop events: the two are compared at a moment when they agree, within the timeout).
            var scrape = await ScrapeUntilAsync(scraper, s =>
                s.Sum("gadget_gadgets_events_lost_total", ("gadget", "opensnoop")) == Interlocked.Read(ref kernel) &&
                s.Sum("gadget_agent_stream_events_dropped_total", ("gadget", "opensnoop")) == Interlocked.Read(ref client));
            output.WriteLine($"stream: kernel {kernel}, client {client}; metrics: kernel {scrape.Sum("gadget_gadgets_events_lost_total")}, client {scrape.Sum("gadget_agent_stream_events_dropped_total")}");
            Assert.Equal(Interlocked.Read(ref kernel), scrape.Sum("gadget_gadgets_events_lost_total", ("gadget", "opensnoop")));
            Assert.Equal(Interlocked.Read(ref client), scrape.Sum("gadget_agent_stream_events_dropped_total", ("gadget", "opensnoop")));
            Assert.Equal(scrape.Sum("gadget_gadgets_events_lost_total"), scrape.Sum("gadget_gadgets_events_lost_total", ("gadget", "opensnoop")));
        }
        finally
        {
            await stop.CancelAsync();
            stream.Dispose();
            await reader.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [Theory]
    [InlineData("nonsense", "--metrics-listen nonsense: expected IP:PORT")]
    [InlineData("127.0.0.1", "--metrics-listen 127.0.0.1: expected IP:PORT")]
    [InlineData("::1", "--metrics-listen ::1: expected IP:PORT")]
    [InlineData("127.0.0.1:70000", "--metrics-listen 127.0.0.1:70000: expected IP:PORT")]
    [InlineData("0.0.0.0:9464", "not a loopback address")]
    [InlineData("", "--metrics-allow-remote is for --metrics-listen IP:PORT")]
    public async Task BadMetricsFlags_ExitTwo_WithOneLine(string listen, string expected)
    {
        string[] metrics = listen.Length == 0 ? ["--metrics-allow-remote"] : ["--metrics-listen", listen];
        var (exitCode, text) = await AgentProcess.RunToExitAsync(["--socket", Socket, .. metrics], Timeout);
        Assert.Equal(2, exitCode);
        var line = Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.False(File.Exists(Socket), "a bad flag touched the socket");
    }

    [Fact]
    public async Task Help_SaysMetricsAreOffByDefaultAndLoopbackOnly()
    {
        var (exitCode, text) = await AgentProcess.RunToExitAsync(["--help"], Timeout);
        Assert.Equal(0, exitCode);
        Assert.Contains("--metrics-listen <IP:PORT>", text, StringComparison.Ordinal);
        Assert.Contains("loopback only unless --metrics-allow-remote", text, StringComparison.Ordinal);
    }

    [Fact]
    public void DaemonSet_ScrapeAnnotationsAndContainerPort_AreTheMetricsListenersPort()
    {
        var documents = KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(DaemonSetPod.RepositoryRoot, "deploy", "daemonset.yaml")));
        var template = Assert.Single(documents.OfType<V1DaemonSet>()).Spec.Template;
        var agent = Assert.Single(template.Spec.Containers);
        // The manifest's args as the agent reads them (a bad combination would be an AgentUsageException).
        var listen = AgentCommandLine.Parse([.. agent.Args]).MetricsListen;
        Assert.NotNull(listen);
        // A non-loopback listener is the pod's own address only: never the node's (hostNetwork).
        Assert.True(IPAddress.IsLoopback(listen.Address) || template.Spec.HostNetwork != true, "metrics on every address of the node's network");
        var annotations = template.Metadata.Annotations;
        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        Assert.Equal(listen.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), annotations["prometheus.io/port"]);
        Assert.Equal("/metrics", annotations["prometheus.io/path"]);
        Assert.Contains(agent.Ports, p => p.Name == "metrics" && p.ContainerPort == listen.Port && p.Protocol == "TCP");
    }

    [Fact]
    public void PrometheusText_ParsesLabelsEscapesAndSpecialValues()
    {
        var text = PrometheusText.Parse(
            "# HELP a_total A counter.\n# TYPE a_total counter\n" +
            "a_total{gadget=\"opensnoop\",path=\"C:\\\\x \\\"q\\\"\\n\"} 12\n" +
            "a_total{gadget=\"execsnoop\"} 3 1700000000000\n" +
            "b_bucket{le=\"+Inf\"} +Inf\nc 1.5e3\n");
        Assert.Equal(4, text.Samples.Count);
        Assert.Equal(15, text.Sum("a_total"));
        Assert.Equal("C:\\x \"q\"\n", Assert.Single(text.Find("a_total", ("gadget", "opensnoop"))).Labels["path"]);
        Assert.Equal(double.PositiveInfinity, text.Sum("b_bucket", ("le", "+Inf")));
        Assert.Equal(1500, text.Sum("c"));
        Assert.Equal(0, text.Sum("a_total", ("gadget", "sigsnoop")));
        Assert.Throws<FormatException>(() => PrometheusText.Parse("a_total{gadget=opensnoop} 1\n"));
    }

    /// <summary>ASP.NET Core's request count of a caller, route and status (the histogram's <c>_count</c>).</summary>
    private static double Requests(PrometheusText scrape, string caller, string route, int status) =>
        scrape.Sum("http_server_request_duration_seconds_count", ("caller", caller), ("http_route", route), ("http_response_status_code", status.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static async Task<PrometheusText> ScrapeAsync(HttpClient scraper)
    {
        using var response = await scraper.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Scrapes until <paramref name="done"/> (a request is counted once its response is complete, a crash once the
    /// agent dumped it); returns the last scrape, for the caller's assertions to say what it held.</summary>
    private static async Task<PrometheusText> ScrapeUntilAsync(HttpClient scraper, Func<PrometheusText, bool> done)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var scrape = await ScrapeAsync(scraper);
            if (done(scrape) || deadline.Elapsed > Timeout)
            {
                return scrape;
            }
            await Task.Delay(200);
        }
    }

    private static async Task<string?> PollAsync(Func<string?> attempt)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Timeout)
        {
            if (attempt() is { } result)
            {
                return result;
            }
            await Task.Delay(100);
        }
        return null;
    }

    [GeneratedRegex(@"Metrics for Prometheus on (http://127\.0\.0\.1:\d+)/metrics")]
    private static partial Regex MetricsUrl();
}
