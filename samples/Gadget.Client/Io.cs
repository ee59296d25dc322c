using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using Gadget.CommandLine;

namespace Gadget.Client;

/// <summary>The client's requests and what it prints of their answers: the body, or the agent's own reason for a refusal.</summary>
internal sealed class Io(TextWriter output, TextWriter error, Option<string> agent)
{
    /// <summary>Where answers and events go.</summary>
    public TextWriter Output => output;

    /// <summary>Where refusals and the stream's notes go.</summary>
    public TextWriter Error => error;

    /// <summary>Sends one request; prints the body (or <paramref name="onSuccess"/>'s rendering of it) or the agent's reason.</summary>
    public async Task<int> SendAsync(ParseResult result, Func<ParseResult, HttpClient> connect, Func<HttpClient, Task<HttpResponseMessage>> send, CancellationToken cancellationToken, Func<HttpResponseMessage, TextWriter, Task>? onSuccess = null)
    {
        using var http = connect(result);
        using var response = await Reach(result, () => send(http));
        if (!response.IsSuccessStatusCode)
        {
            await error.WriteLineAsync(await RefusalAsync(response, cancellationToken));
            return CliHost.Failure;
        }
        if (onSuccess is not null)
        {
            await onSuccess(response, output);
        }
        else
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (text.Length > 0)
            {
                await output.WriteAsync(text.EndsWith('\n') ? text : text + "\n");
            }
        }
        await output.FlushAsync(cancellationToken);
        return CliHost.Success;
    }

    /// <summary>Streams JSON lines into <paramref name="printer"/> until the agent ends the stream or the token is canceled (Ctrl-C, --timeout, stdout closed).</summary>
    public async Task<int> StreamAsync(ParseResult result, Func<ParseResult, HttpClient> connect, string path, StreamPrinter printer, CancellationToken cancellationToken)
    {
        using var http = connect(result);
        using var response = await Reach(result, () => http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken));
        if (!response.IsSuccessStatusCode)
        {
            await error.WriteLineAsync(await RefusalAsync(response, cancellationToken));
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

    private async Task<HttpResponseMessage> Reach(ParseResult result, Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            return await send();
        }
        catch (HttpRequestException e)
        {
            throw new CommandLineException($"cannot reach the agent at {result.GetValue(agent)}: {e.Message}", CliHost.Failure);
        }
    }

    /// <summary>One line: the status and the agent's reason (a problem's detail, or its text).</summary>
    private static async Task<string> RefusalAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = (await response.Content.ReadAsStringAsync(cancellationToken)).Trim();
        if (response.Content.Headers.ContentType is MediaTypeHeaderValue { MediaType: "application/problem+json" } && text.Length > 0)
        {
            try
            {
                using var problem = JsonDocument.Parse(text);
                var root = problem.RootElement;
                text = root.TryGetProperty("detail", out var detail) && detail.GetString() is { Length: > 0 } d ? d
                    : root.TryGetProperty("title", out var title) ? title.GetString() ?? text : text;
            }
            catch (JsonException)
            {
            }
        }
        if (text.Length == 0)
        {
            text = "(the agent gave no reason; see its log)";
        }
        return $"gadget: the agent answered {(int)response.StatusCode} {response.ReasonPhrase}: {text.ReplaceLineEndings(" ")}";
    }
}
