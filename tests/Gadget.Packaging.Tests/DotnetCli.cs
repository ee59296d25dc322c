using System.Diagnostics;
using System.Text;

namespace Gadget.Packaging.Tests;

/// <summary>Runs the dotnet CLI (the one running the tests) as a child process, without the test host's MSBuild variables.</summary>
internal static class DotnetCli
{
    public static string Executable =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public static (int ExitCode, string Output) Run(string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        RunProcess(Executable, workingDirectory, timeout, arguments);

    public static (int ExitCode, string Output) RunProcess(string file, string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        using var process = RunningProcess.Start(file, workingDirectory, arguments);
        var exitCode = process.WaitForExit(timeout);
        return (exitCode, process.Output);
    }

    /// <summary>What to start: <paramref name="file"/> with its arguments, output redirected, MSBuild/VSTest variables removed.</summary>
    public static ProcessStartInfo StartInfo(string file, string workingDirectory, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var name in start.Environment.Keys.ToArray())
        {
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(name);
            }
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        return start;
    }
}
