using System.Security.Cryptography;
using System.Text;

namespace Gadget.Agent;

/// <summary>
/// TCP requests carry <c>Authorization: Bearer TOKEN</c> (compared in constant time) when the agent has a
/// <c>--token-file</c>, or the same token in <c>X-Gadget-Agent-Token</c> (<see cref="AgentTokenHeader"/>: the
/// Kubernetes API server's pod proxy authenticates its user and strips <c>Authorization</c> before it forwards a
/// request, so the cluster client sends the agent's token in a header of its own); otherwise 401. Unix socket requests were already checked by their peer credentials; a request
/// without a <see cref="Caller"/> (none set by <see cref="ConnectionGate"/>) is refused.
/// </summary>
internal sealed class TokenAuthentication(RequestDelegate next, AgentCredentials credentials, ILogger<TokenAuthentication> logger)
{
    /// <summary>The header that carries the agent's token through the API server's pod proxy.</summary>
    public const string AgentTokenHeader = "X-Gadget-Agent-Token";

    /// <summary>Checks the request.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        var caller = context.Features.Get<Caller>();
        if (caller is null)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync("the connection's caller is unknown\n");
            return;
        }
        if (caller.IsTcp && credentials.Token is { } token)
        {
            var header = context.Request.Headers.Authorization.ToString();
            var given = header.StartsWith("Bearer ", StringComparison.Ordinal) ? Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim())
                : context.Request.Headers[AgentTokenHeader].ToString() is { Length: > 0 } proxied ? Encoding.UTF8.GetBytes(proxied.Trim())
                : [];
            if (!CryptographicOperations.FixedTimeEquals(given, token))
            {
                logger.LogWarning("Refused {Method} {Path} from {Caller}: {Problem}", context.Request.Method, context.Request.Path, caller, given.Length == 0 ? "no bearer token" : "wrong bearer token");
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await context.Response.WriteAsync($"TCP clients need 'Authorization: Bearer <token>' or '{AgentTokenHeader}: <token>' (the agent's --token-file)\n");
                return;
            }
        }
        await next(context);
    }
}
