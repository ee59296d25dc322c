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
/// standard error while the others' answers are still printed (exit 1).
/// </summary>
internal sealed class Io(TextWriter output, TextWriter error)
{
    /// <summary>Where answers and events go.</summary>
    public TextWriter Output => output;

    /// <summary>Where refusals and the stream's notes go.</summary>
    public TextWriter Error => error;

    /// <summary>Sends one request to each agent; prints the answers as <paramref name="answer"/> says, or each agent's reason.</summary>
    /// <param name="notFoundIsAbsent">A 404 means "not on this node" (a container's history): reported only when every node says so.</param>
    public async Task<int> SendAsync(ParseResult result, Connector connect, Func<HttpClient, Task<HttpResponseMessage>> send, Answer answer, CancellationToken cancellationToken, bool notFoundIsAbsent = false)
    {
        using var targets = await connect(result, cancellationToken);
        if (!targets.IsCluster)
        {
            using var response = await Reach(targets, () => send(targets.All[0].Http));
            if (!response.IsSuccessStatusCode)
            {
                await error.WriteLineAsync("gadget: " + await RefusalAsync(response, cancellationToken));
                return CliHost.Failure;
            }
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (answer == Answer.TraceId)
            {
                using var body = JsonDocument.Parse(text);
                text = body.RootElement.GetProperty("id").GetString() + "\n";
            }
            if (text.Length > 0)
            {
                await output.WriteAsync(text.EndsWith('\n') ? text : text + "\n");
            }
            await output.FlushAsync(cancellationToken);
            return CliHost.Success;
        }
        var answers = await Task.WhenAll(targets.All.Select(async target =>
        {
            try
            {
                using var response = await send(target.Http);
                return response.IsSuccessStatusCode
                    ? (target.Node!, Text: await response.Content.ReadAsStringAsync(cancellationToken), Problem: (string?)null, Absent: false)
                    : (target.Node!, Text: "", Problem: await RefusalAsync(response, cancellationToken), Absent: notFoundIsAbsent && response.StatusCode == HttpStatusCode.NotFound);
            }
            catch (HttpRequestException e)
            {
                return (target.Node!, Text: "", Problem: targets.Unreachable(e), Absent: false);
            }
        }));
        var width = ClusterOutput.Width(answers.Select(a => a.Item1));
        var answered = answers.Where(a => a.Problem is null).ToList();
        var text2 = answer switch
        {
            Answer.JsonArray => answered.Count == 0 ? "" : ClusterOutput.MergeArrays(answered.Select(a => (a.Item1, a.Text))),
            Answer.JsonLines => string.Concat(answered.SelectMany(a => a.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => ClusterOutput.AddNode(l, a.Item1) + "\n"))),
            Answer.Text => string.Concat(answered.Select(a => ClusterOutput.Prefix(a.Text, a.Item1, width))),
            Answer.TraceId => answered.Count == 0 ? "" : "NODE".PadRight(width) + "ID\n" + string.Concat(answered.Select(a => a.Item1.PadRight(width) + TraceId(a.Text) + "\n")),
            _ => "",
        };
        await output.WriteAsync(text2);
        await output.FlushAsync(cancellationToken);
        var failed = answers.Where(a => a.Problem is not null && !(a.Absent && answered.Count > 0)).ToList();
        foreach (var (node, _, problem, _) in failed)
        {
            await error.WriteLineAsync($"gadget: node {node}: {problem}");
        }
        return failed.Count == 0 ? CliHost.Success : CliHost.Failure;
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
        return body.RootElement.GetProperty("id").GetString() ?? "";
    }

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
        return $"{who} answered {(int)response.StatusCode} {response.ReasonPhrase}: {text.ReplaceLineEndings(" ")}";
    }
}
