using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Gadget.Client;

/// <summary>How the client authenticates to an agent over TCP: the bearer token, the CA it trusts for the agent's
/// certificate, and a client certificate for mutual TLS.</summary>
public sealed record AgentConnection
{
    /// <summary>The environment variable holding the token when no <see cref="TokenFile"/> is given.</summary>
    public const string TokenVariable = "GADGET_AGENT_TOKEN";

    /// <summary>A file whose first line is the agent's bearer token.</summary>
    public string? TokenFile { get; init; }

    /// <summary>A PEM certificate (a CA or the agent's own) that the agent's certificate must chain to.</summary>
    public string? CaCertificate { get; init; }

    /// <summary>A PEM client certificate (mutual TLS).</summary>
    public string? ClientCertificate { get; init; }

    /// <summary>Its PEM private key, when not in <see cref="ClientCertificate"/>.</summary>
    public string? ClientKey { get; init; }

    /// <summary>The token: the file's first line, or <see cref="TokenVariable"/>, or null.</summary>
    public string? ReadToken() => TokenFile is { } file
        ? File.ReadLines(file).FirstOrDefault()?.Trim()
        : Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } token ? token : null;

    /// <summary>The handler for https: the system's trust, or only <see cref="CaCertificate"/> when given.</summary>
    public SocketsHttpHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler();
        if (ClientCertificate is { } certificate)
        {
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(certificate, ClientKey)];
        }
        if (CaCertificate is { } ca)
        {
            var trusted = X509Certificate2.CreateFromPem(File.ReadAllText(ca));
            handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, errors) =>
            {
                if (presented is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false; // no certificate, or a name mismatch
                }
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(trusted);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(presented));
            };
        }
        return handler;
    }
}
