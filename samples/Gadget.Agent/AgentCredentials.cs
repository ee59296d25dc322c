using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Gadget.Agent;

/// <summary>What TCP needs, read at start: the server certificate, the bearer token and the client CA.</summary>
public sealed class AgentCredentials
{
    /// <summary>The server certificate (with its key).</summary>
    public X509Certificate2? Certificate { get; private init; }

    /// <summary>The bearer token's bytes.</summary>
    public byte[]? Token { get; private init; }

    /// <summary>The CA clients' certificates must chain to (mutual TLS).</summary>
    public X509Certificate2? ClientCa { get; private init; }

    /// <summary>Reads the files the options name.</summary>
    /// <exception cref="AgentStartException">A file is missing, unreadable, or empty.</exception>
    public static AgentCredentials Load(AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            byte[]? token = null;
            if (options.TokenFile is { } tokenFile)
            {
                var text = File.ReadLines(tokenFile).FirstOrDefault()?.Trim();
                if (string.IsNullOrEmpty(text) || text.Length < 16)
                {
                    throw new AgentStartException($"--token-file {tokenFile}: the token (its first line) must have at least 16 characters");
                }
                token = Encoding.UTF8.GetBytes(text);
            }
            return new AgentCredentials
            {
                Certificate = options.TlsCertificate is { } cert ? X509Certificate2.CreateFromPemFile(cert, options.TlsKey) : null,
                Token = token,
                ClientCa = options.ClientCa is { } ca ? X509Certificate2.CreateFromPem(File.ReadAllText(ca)) : null,
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new AgentStartException("cannot read the TLS or token files: " + e.Message, e);
        }
    }

    /// <summary>Whether <paramref name="certificate"/> chains to <see cref="ClientCa"/> (and only to it).</summary>
    public bool IsTrustedClient(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (ClientCa is null)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ClientCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
