using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Gadget.CommandLine;

namespace Gadget.Client;

/// <summary>
/// The client's requests and what it prints of their answers: the body, or the agent's own reason for a refusal. Through
/// the cluster, the request goes to every selected node at once; the answers are printed in node order, merged
/// (<see cref="ClusterOutput"/>), and each node that refused or did not answer is one <c>node X: reason</c> line on
/// standard error while the others' answers are still printed (exit 1); so is a node that takes longer than
/// <see cref="NodeTimeout"/> to answer a request.
/// </summary>
internal sealed class Io(TextWriter output, TextWriter error)
{
    /// <summary>How long a node may take to answer a request (not a stream) through the cluster before it is reported.</summary>
    public static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Where answers and events go.</summary>
    public TextWriter Output => output;

    /// <summary>Where refusals and the stream's notes go.</summary>
    public TextWriter Error => error;

    /// <summary>Sends one request to each agent; prints the answers as <paramref name="answer"/> says, or each agent's reason.</summary>
    /// <param name="notFoundIsAbsent">A 404 means "not on this node" (a container's history): reported only when every node says so.</param>
    public async Task<int> SendAsync(ParseResult result, Connector connect, Func<HttpClient, CancellationToken, Task<HttpResponseMessage>> send, Answer answer, CancellationToken cancellationToken, bool notFoundIsAbsent = false)
    {
        using var targets = await connect(result, cancellationToken);
        if (!targets.IsCluster)
        {
            using var response = await Reach(targets, () => send(targets.All[0].Http, cancellationToken));
            if (!response.IsSuccessStatusCode)
            {
                await error.WriteLineAsync("gadget: " + await RefusalAsync(response, cancellationToken));
                return CliHost.Failure;
            }
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (answer == Answer.TraceId)
            {
                text = TraceId(text) + "\n";
            }
            else if (answer == Answer.Text)
            {
                text = EscapeLines(text); // a history's text: the agent escapes what containers chose; a forged one gets no terminal commands
            }
            if (text.Length > 0)
            {
                await output.WriteAsync(text.EndsWith('\n') ? text : text + "\n");
            }
            await output.FlushAsync(cancellationToken);
            return CliHost.Success;
        }
        var width = ClusterOutput.Width(targets.All.Select(t => t.Node!));
        var answers = await Task.WhenAll(targets.All.Select(target => AskAsync(targets, target, send, answer, width, notFoundIsAbsent, cancellationToken)));
        var answered = answers.Where(a => a.Problem is null).ToList();
        var merged = answer switch
        {
            Answer.JsonArray => answered.Count == 0 ? "" : new System.Text.Json.Nodes.JsonArray([.. answered.SelectMany(a => a.Items)]).ToJsonString() + "\n",
            Answer.TraceId => answered.Count == 0 ? "" : "NODE".PadRight(width) + "ID\n" + string.Concat(answered.Select(a => a.Rendered)),
            _ => string.Concat(answered.Select(a => a.Rendered)),
        };
        await output.WriteAsync(merged);
        await output.FlushAsync(cancellationToken);
        var failed = answers.Where(a => a.Problem is not null && !(a.Absent && answered.Count > 0)).ToList();
        foreach (var failure in failed)
        {
            await error.WriteLineAsync($"gadget: node {failure.Node}: {failure.Problem}");
        }
        return failed.Count == 0 ? CliHost.Success : CliHost.Failure;
    }

    /// <summary>One node's answer, rendered with its node; a node that refuses, answers something unreadable or nothing within <see cref="NodeTimeout"/> is a problem, not an exception.</summary>
    private static async Task<NodeAnswer> AskAsync(AgentTargets targets, AgentTarget target, Func<HttpClient, CancellationToken, Task<HttpResponseMessage>> send, Answer answer, int width, bool notFoundIsAbsent, CancellationToken cancellationToken)
    {
        var node = target.Node!;
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        waiting.CancelAfter(NodeTimeout);
        try
        {
            using var response = await send(target.Http, waiting.Token);
            if (!response.IsSuccessStatusCode)
            {
                return new NodeAnswer(node, "", [], await RefusalAsync(response, waiting.Token), notFoundIsAbsent && response.StatusCode == HttpStatusCode.NotFound);
            }
            var body = await response.Content.ReadAsStringAsync(waiting.Token);
            return answer switch
            {
                Answer.JsonArray => new NodeAnswer(node, "", ClusterOutput.Elements(body, node), null, false),
                Answer.JsonLines => new NodeAnswer(node, string.Concat(body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => ClusterOutput.AddNode(l, node) + "\n")), [], null, false),
                Answer.Text => new NodeAnswer(node, ClusterOutput.Prefix(EscapeLines(body), node, width), [], null, false),
                Answer.TraceId => new NodeAnswer(node, node.PadRight(width) + TraceId(body) + "\n", [], null, false),
                _ => new NodeAnswer(node, "", [], null, false),
            };
        }
        catch (HttpRequestException e)
        {
            return new NodeAnswer(node, "", [], targets.Unreachable(e), false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new NodeAnswer(node, "", [], $"no answer within {NodeTimeout.TotalSeconds:0} s", false);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return new NodeAnswer(node, "", [], "the answer is not the agent's JSON: " + e.Message.ReplaceLineEndings(" "), false);
        }
    }

    /// <summary>Streams JSON lines into <paramref name="printer"/> until the agents end their streams or the token is canceled (Ctrl-C, --timeout, stdout closed).</summary>
    public async Task<int> StreamAsync(AgentTargets targets, string path, StreamPrinter printer, CancellationToken cancellationToken)
    {
        if (!targets.IsCluster)
        {
            using var response = await Reach(targets, () => targets.All[0].Http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken));
            if (!response.IsSuccessStatusCode)
            {
                await error.WriteLineAsync("gadget: " + await RefusalAsync(response, cancellationToken));
                return CliHost.Failure;
            }
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            try
            {
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    printer.Line(line);
                    printer.Flush(); // (StreamReader.Peek would block on the network: no way to tell whether more is waiting)
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            printer.Flush();
            return CliHost.Success;
        }
        var gate = new Lock();
        var failures = 0;
        void Fail(string node, string problem)
        {
            Interlocked.Increment(ref failures);
            lock (gate)
            {
                printer.Flush();
                error.WriteLine($"gadget: node {node}: {problem}");
                error.Flush();
            }
        }
        await Task.WhenAll(targets.All.Select(async target =>
        {
            var node = target.Node!;
            try
            {
                using var response = await target.Http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    Fail(node, await RefusalAsync(response, cancellationToken));
                    return;
                }
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    var annotated = ClusterOutput.AddNode(line, node);
                    lock (gate)
                    {
                        printer.Line(annotated);
                        printer.Flush();
                    }
                }
                if (!cancellationToken.IsCancellationRequested)
                {
                    Fail(node, "the agent's stream ended");
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            catch (HttpRequestException e)
            {
                Fail(node, targets.Unreachable(e));
            }
            catch (IOException e)
            {
                Fail(node, "the stream broke: " + e.Message.ReplaceLineEndings(" "));
            }
        }));
        lock (gate)
        {
            printer.Flush();
        }
        return failures == 0 ? CliHost.Success : CliHost.Failure;
    }

    private static string TraceId(string json)
    {
        using var body = JsonDocument.Parse(json);
        return DisplayText.Escape(body.RootElement.GetProperty("id").GetString() ?? "");
    }

    /// <summary>Each line of <paramref name="text"/> escaped (<see cref="DisplayText"/>), its line ends kept.</summary>
    private static string EscapeLines(string text) => string.Join('\n', text.Split('\n').Select(DisplayText.Escape));

    private static async Task<HttpResponseMessage> Reach(AgentTargets targets, Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            return await send();
        }
        catch (HttpRequestException e)
        {
            throw new CommandLineException(targets.Unreachable(e), CliHost.Failure);
        }
    }

    /// <summary>One line: who answered (the agent, or the API server with a Kubernetes Status), the status and the reason.</summary>
    private static async Task<string> RefusalAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = (await response.Content.ReadAsStringAsync(cancellationToken)).Trim();
        var who = "the agent";
        var mediaType = response.Content.Headers.ContentType is MediaTypeHeaderValue { MediaType: { } m } ? m : "";
        if (mediaType is "application/problem+json" or "application/json" && text.Length > 0)
        {
            try
            {
                using var problem = JsonDocument.Parse(text);
                var root = problem.RootElement;
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String && kind.GetString() == "Status")
                {
                    who = "the API server";
                    text = ClusterConnection.StatusMessage(text);
                }
                else if (mediaType == "application/problem+json")
                {
                    text = root.TryGetProperty("detail", out var detail) && detail.GetString() is { Length: > 0 } d ? d
                        : root.TryGetProperty("title", out var title) ? title.GetString() ?? text : text;
                }
            }
            catch (JsonException)
            {
            }
        }
        if (text.Length == 0)
        {
            text = "(the agent gave no reason; see its log)";
        }
        return $"{who} answered {(int)response.StatusCode} {DisplayText.Escape(response.ReasonPhrase ?? "")}: {DisplayText.Escape(text.ReplaceLineEndings(" "))}";
    }
}
