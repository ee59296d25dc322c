using System.Diagnostics;

namespace Gadget.Cli.Tests;

/// <summary>
/// The command-line tools publish as NativeAOT binaries (issue 19): traceloop is published here for this machine's
/// architecture into a scratch directory (its own bin/obj through --artifacts-path, so the other tests' builds are not
/// touched) and the binary records a real command against the kernel, without a .NET runtime or any .dll next to it.
/// </summary>
public class NativeAotTests
{
    [Fact]
    public async Task TraceloopPublishedAsNativeAotRecordsACommand()
    {
        var scratch = Directory.CreateTempSubdirectory("gadget-aot-");
        try
        {
            var output = Path.Combine(scratch.FullName, "out");
            var publish = await RunAsync("dotnet", [
                "publish", Path.Combine(Tool.RepositoryRoot, "samples", "Traceloop", "Traceloop.csproj"),
                "-c", "Release", "-r", Rid(), "-o", output, "--artifacts-path", Path.Combine(scratch.FullName, "artifacts"), "-nologo",
            ]);
            Assert.True(publish.ExitCode == 0, $"dotnet publish failed ({publish.ExitCode}):\n{publish.Output}");
            Assert.DoesNotContain("warning IL", publish.Output); // trimming and AOT analysis found nothing to warn about

            var binary = Path.Combine(output, "traceloop");
            Assert.True(File.Exists(binary), $"no binary at {binary}");
            Assert.Empty(Directory.GetFiles(output, "*.dll")); // nothing for a runtime to load: the code is in the binary
            Assert.False(File.Exists(Path.Combine(output, "traceloop.runtimeconfig.json")));

            var marker = $"/tmp/gadget-aot-{Guid.NewGuid():N}";
            var run = await RunAsync(binary, ["run", "--", "/bin/sh", "-c", $"cat {marker}; exit 3"]);
            Assert.Equal(3, run.ExitCode); // traceloop run exits with the command's status
            Assert.Contains("execve(\"/bin/sh\"", run.Output);
            Assert.Contains($"\"{marker}\"", run.Output); // cat's openat of the marker, read by BPF
            Assert.Contains("+++ exited with 3 +++", run.Output);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    private static string Rid() => System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "linux-x64",
        System.Runtime.InteropServices.Architecture.Arm64 => "linux-arm64",
        var other => throw new PlatformNotSupportedException($"no NativeAOT runtime identifier for {other}"),
    };

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        return (process.ExitCode, await stdout + await stderr);
    }
}
