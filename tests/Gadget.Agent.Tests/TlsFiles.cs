using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gadget.Agent.Tests;

/// <summary>
/// What an agent on TCP needs, written into a directory: a self-signed server certificate for 127.0.0.1 (cert.pem,
/// key.pem), a random bearer token (token), and a client CA with one client certificate for mutual TLS.
/// </summary>
internal sealed class TlsFiles
{
    public TlsFiles(string directory)
    {
        Directory.CreateDirectory(directory);
        Certificate = Path.Combine(directory, "cert.pem");
        Key = Path.Combine(directory, "key.pem");
        Token = Path.Combine(directory, "token");
        ClientCa = Path.Combine(directory, "client-ca.pem");
        ClientCertificate = Path.Combine(directory, "client.pem");
        ClientKey = Path.Combine(directory, "client-key.pem");

        // One clock reading for every validity: a client certificate whose end, read a moment later, passed its CA's by a
        // second was refused (notAfter later than the issuer's), now and then.
        var now = DateTimeOffset.UtcNow;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=gadget-agent-test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        File.WriteAllText(Certificate, certificate.ExportCertificatePem());
        File.WriteAllText(Key, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Token, Convert.ToHexString(RandomNumberGenerator.GetBytes(24)) + "\n");

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=gadget-test-client-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        File.WriteAllText(ClientCa, ca.ExportCertificatePem());
        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clientRequest = new CertificateRequest("CN=gadget-test-client", clientKey, HashAlgorithmName.SHA256);
        clientRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var client = clientRequest.Create(ca, now.AddMinutes(-5), now.AddHours(23), RandomNumberGenerator.GetBytes(8));
        File.WriteAllText(ClientCertificate, client.ExportCertificatePem());
        File.WriteAllText(ClientKey, clientKey.ExportPkcs8PrivateKeyPem());
    }

    public string Certificate { get; }

    public string Key { get; }

    public string Token { get; }

    public string ClientCa { get; }

    public string ClientCertificate { get; }

    public string ClientKey { get; }

    /// <summary>The agent's flags for TCP with TLS and the token.</summary>
    public string[] AgentArgs(string url) => ["--urls", url, "--tls-cert", Certificate, "--tls-key", Key, "--token-file", Token];

    /// <summary>The client's flags to reach that agent (trusting its certificate, sending the token).</summary>
    public string[] ClientArgs(string url) => ["--agent", url, "--token-file", Token, "--ca-cert", Certificate];

    /// <summary>A free loopback port's https URL.</summary>
    public static string FreeLoopbackUrl()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return $"https://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
    }
}
