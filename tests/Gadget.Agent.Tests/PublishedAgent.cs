using System.Diagnostics;
using System.Text;

namespace Gadget.Agent.Tests;

/// <summary>
/// The agent as the Dockerfile's build stage makes it: <c>dotnet publish samples/Gadget.Agent -c CONFIG -o DIR</c>
/// (framework-dependent), once per test run, into a temporary directory removed when the test process exits.
/// </summary>
internal static class PublishedAgent
{
    private static readonly Lazy<string> Published = new(Publish, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The publish directory (apphost, dlls, runtimeconfig).</summary>
    public static string Directory => Published.Value;

    private static string Publish()
    {
        var output = Path.Combine(Path.GetTempPath(), "gadget-agent-publish-" + Guid.NewGuid().ToString("N")[..12]);
        var project = Path.Combine(DaemonSetPod.RepositoryRoot, "samples", "Gadget.Agent", "Gadget.Agent.csproj");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = DaemonSetPod.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["publish", project, "-c", DaemonSetPod.Configuration, "-o", output, "-nologo"])
        {
            start.ArgumentList.Add(argument);
        }
        // The test host's MSBuild variables would point the child build at the test run's own build.
        foreach (var name in start.Environment.Keys.Where(n => n.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || n.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        var text = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (text) { text.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet publish of the agent did not finish in 10 minutes:\n" + text);
        }
        process.WaitForExit();
        if (process.ExitCode != 0 || !File.Exists(Path.Combine(output, "gadget-agent")))
        {
            throw new InvalidOperationException($"dotnet publish of the agent failed ({process.ExitCode}):\n{text}");
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                System.IO.Directory.Delete(output, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return output;
    }
}
