using System.Text.Json;
using Gadget.Bpf;

namespace Gadget.Agent;

/// <summary>
/// Every error answer says why: an exception becomes a ProblemDetails (400 for bad requests and bad JSON, 503 when the
/// kernel refuses a gadget, 500 otherwise, each with its message), and an error status without a body (no such endpoint,
/// wrong method) gets a line of text. Never an empty 500.
/// </summary>
internal sealed class ErrorResponses(RequestDelegate next, ILogger<ErrorResponses> logger)
{
    /// <summary>Runs the rest of the pipeline.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            var (status, title) = e switch
            {
                BadHttpRequestException bad => (bad.StatusCode, "Bad request"),
                JsonException => (StatusCodes.Status400BadRequest, "Bad JSON"),
                BpfException => (StatusCodes.Status503ServiceUnavailable, "The kernel refused the gadget"),
                _ => (StatusCodes.Status500InternalServerError, "Internal error"),
            };
            var detail = e is BadHttpRequestException && e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal) ? $"{e.Message} {inner.Message}" : e.Message;
            if (status >= 500)
            {
                logger.LogError(e, "{Method} {Path} failed with {Status}: {Detail}", context.Request.Method, context.Request.Path, status, detail);
            }
            else
            {
                logger.LogInformation("{Method} {Path}: {Status} {Detail}", context.Request.Method, context.Request.Path, status, detail);
            }
            if (context.Response.HasStarted)
            {
                context.Abort(); // a stream already under way: the client sees it end
                return;
            }
            context.Response.Clear();
            await Results.Problem(detail: status >= 500 && status != 503 ? $"{e.GetType().Name}: {detail}" : detail, statusCode: status, title: title).ExecuteAsync(context);
            return;
        }
        var response = context.Response;
        if (response.StatusCode >= 400 && !response.HasStarted && response.ContentLength is null)
        {
            response.ContentType = "text/plain; charset=utf-8";
            var reason = response.StatusCode switch
            {
                StatusCodes.Status404NotFound => $"no such endpoint: {context.Request.Method} {context.Request.Path}",
                StatusCodes.Status405MethodNotAllowed => $"{context.Request.Path} does not answer {context.Request.Method}",
                _ => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(response.StatusCode),
            };
            await response.WriteAsync(reason + "\n", context.RequestAborted);
        }
    }
}
