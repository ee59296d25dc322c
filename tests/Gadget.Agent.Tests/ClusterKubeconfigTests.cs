using System.Diagnostics;
using Gadget.Client;

namespace Gadget.Agent.Tests;

/// <summary>
/// What is wrong with a kubeconfig, or with what the API server answers to it, is one line on standard error naming the
/// file, the context, the server or the namespace and label (exit 2 for the kubeconfig, 1 for the cluster's answer).
/// The API server is the loopback one of the cluster tests, without agents.
/// </summary>
public sealed class ClusterKubeconfigTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gadget-kubeconfig-" + Guid.NewGuid().ToString("N")[..12]);
    private FakeClusterApiServer _server = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _server = await FakeClusterApiServer.StartAsync(_directory);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task TheKubeconfigsMistakes_AreOneLineEach_Exit2()
    {
        var missing = Path.Combine(_directory, "no-such-kubeconfig");
        (await RunAsync("--kubeconfig", missing, "containers")).AssertOneLine(2, $"kubeconfig {missing} does not exist");

        var empty = Path.Combine(_directory, "empty");
        File.WriteAllText(empty, "# nothing but a comment\n");
        (await RunAsync("--kubeconfig", empty, "containers")).AssertOneLine(2, $"kubeconfig {empty} is not a kubeconfig");

        var good = _server.WriteKubeconfig("good");
        (await RunAsync("--kubeconfig", good, "--context", "nope", "containers")).AssertOneLine(2, "no context 'nope' (contexts: fake)");

        var malformed = Path.Combine(_directory, "malformed");
        File.WriteAllText(malformed, "apiVersion: v1\nclusters: [\n  - name: {\n");
        (await RunAsync("--kubeconfig", malformed, "containers")).AssertOneLine(2, $"kubeconfig {malformed}: cannot read it");

        var noCurrent = _server.WriteKubeconfig("no-current", currentContext: "\"\"");
        (await RunAsync("--kubeconfig", noCurrent, "containers")).AssertOneLine(2, "no current-context; give --context NAME (contexts: fake)");

        var noServer = _server.WriteKubeconfig("no-server", cluster: "    insecure-skip-tls-verify: true");
        (await RunAsync("--kubeconfig", noServer, "containers")).AssertOneLine(2, "names cluster 'fake', which is not there or has no server");

        var missingTokenFile = _server.WriteKubeconfig("missing-token-file", user: "    token-file: no-such-token");
        (await RunAsync("--kubeconfig", missingTokenFile, "containers")).AssertOneLine(2, $"user 'fake-user': token-file {Path.Combine(_directory, "no-such-token")}");
    }

    [Fact]
    public async Task TheClustersRefusals_AreOneLineEach_Exit1()
    {
        var server = _server.Url.AbsoluteUri;
        var wrongToken = _server.WriteKubeconfig("wrong-token", user: "    token: not-the-users-token");
        (await RunAsync("--kubeconfig", wrongToken, "containers")).AssertOneLine(1, $"the API server {server} answered 401");

        // The server's certificate does not chain to the kubeconfig's CA: a TLS failure naming the server.
        var other = new TlsFiles(Path.Combine(_directory, "other-ca"));
        var otherCa = Convert.ToBase64String(File.ReadAllBytes(other.Certificate));
        var wrongCa = _server.WriteKubeconfig("wrong-ca", cluster: $"    server: {server}\n    certificate-authority-data: {otherCa}");
        (await RunAsync("--kubeconfig", wrongCa, "containers")).AssertOneLine(1, $"TLS with the API server {server} failed");

        // A server that is not the API server's root: its 404 for the pods list, with the namespace and the label.
        var ca = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(_server.CertificatePem));
        var wrongPath = _server.WriteKubeconfig("wrong-path", cluster: $"    server: {server}not-kubernetes\n    certificate-authority-data: {ca}");
        (await RunAsync("--kubeconfig", wrongPath, "containers"))
            .AssertOneLine(1, $"the API server {server}not-kubernetes answered 404 Not Found to listing the pods of namespace 'gadget' with label {ClusterOptions.DefaultLabelSelector}");

        // Nothing listens on this port.
        var closed = new Uri(TlsFiles.FreeLoopbackUrl()).AbsoluteUri;
        var unreachable = _server.WriteKubeconfig("unreachable", cluster: $"    server: {closed}\n    insecure-skip-tls-verify: true");
        (await RunAsync("--kubeconfig", unreachable, "containers")).AssertOneLine(1, $"cannot reach the API server {closed}");

        // The user gets in (token-file, relative to the kubeconfig; or skip-tls-verify), but no agent pod runs there.
        File.WriteAllText(Path.Combine(_directory, "user-token"), FakeClusterApiServer.UserToken + "\n");
        var tokenFile = _server.WriteKubeconfig("token-file", user: "    token-file: user-token");
        (await RunAsync("--kubeconfig", tokenFile, "--agent-namespace", "empty", "containers"))
            .AssertOneLine(1, $"no running agent pod with label {ClusterOptions.DefaultLabelSelector} in namespace 'empty' (API server {server}; no pod matches)");
        _server.SetPod("pending", "gadget-agent-p", "node-p", 1, phase: "Pending");
        var insecure = _server.WriteKubeconfig("insecure", cluster: $"    server: {server}\n    insecure-skip-tls-verify: true");
        (await RunAsync("--kubeconfig", insecure, "--agent-namespace", "pending", "traceloop", "list"))
            .AssertOneLine(1, "in namespace 'pending' (API server " + server + "; 1 matching pod(s), none running)");
        (await RunAsync("--kubeconfig", insecure, "--agent-namespace", "pending", "--agent-selector", "app=other", "containers"))
            .AssertOneLine(1, "no running agent pod with label app=other in namespace 'pending'");
    }

    [Fact]
    public async Task Cluster_ReadsKubeconfigFromTheEnvironment()
    {
        var kubeconfig = _server.WriteKubeconfig("from-env");
        // A process of its own: $KUBECONFIG of this process stays untouched for the other tests.
        var start = new ProcessStartInfo(Processes.Client) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["--cluster", "--agent-namespace", "env-test", "containers"])
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["KUBECONFIG"] = Path.Combine(_directory, "does-not-exist") + ":" + kubeconfig;
        using (var process = Process.Start(start)!)
        {
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.Equal(2, process.ExitCode); // the list's missing file is named
            Assert.Contains("does-not-exist does not exist", error, StringComparison.Ordinal);
        }
        start.Environment["KUBECONFIG"] = kubeconfig;
        using (var process = Process.Start(start)!)
        {
            var output = await process.StandardOutput.ReadToEndAsync();
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.Equal(1, process.ExitCode);
            Assert.Equal("", output);
            Assert.Equal($"gadget: no running agent pod with label {ClusterOptions.DefaultLabelSelector} in namespace 'env-test' (API server {_server.Url.AbsoluteUri}; no pod matches): is the DaemonSet deployed there (deploy/daemonset.yaml)?", error.Trim());
        }
    }

    private static async Task<Run> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await GadgetCli.RunAsync(args, output, error);
        return new Run(code, output.ToString(), error.ToString());
    }

    private sealed record Run(int ExitCode, string Output, string Error)
    {
        public void AssertOneLine(int exitCode, string mentions)
        {
            Assert.True(exitCode == ExitCode, $"exit {ExitCode}, expected {exitCode}: {Error}");
            Assert.Equal("", Output);
            var lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, "not one line:\n" + Error);
            Assert.StartsWith("gadget: ", lines[0], StringComparison.Ordinal);
            Assert.Contains(mentions, lines[0], StringComparison.Ordinal);
        }
    }
}
