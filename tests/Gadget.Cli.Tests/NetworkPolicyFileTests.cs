namespace Gadget.Cli.Tests;

/// <summary>
/// <c>gadgets advise network-policy --file PATH</c> says where it wrote the policies with the path escaped: a file name
/// with an ESC sequence is shown as text. Before: "policies written to" the path as it was, ESC and all.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class NetworkPolicyFileTests
{
    [Fact]
    public async Task TheWrittenPathIsShownEscaped()
    {
        var directory = Directory.CreateTempSubdirectory("gadget-policy-file-");
        try
        {
            var file = Path.Combine(directory.FullName, "policy\u001b[2J\u009b1m.yaml");

            var run = await Tool.Gadgets.RunAsync(["advise", "network-policy", "--timeout", "1", "--file", file]);

            Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
            Assert.True(File.Exists(file));
            Assert.Contains($@"policies written to {directory.FullName}/policy\x1b[2J\u009b1m.yaml", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("\u001b", run.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("\u009b", run.Error, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
