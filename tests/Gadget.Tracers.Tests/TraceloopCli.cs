using System.Diagnostics;

namespace Gadget.Tracers.Tests;

/// <summary>Runs the traceloop CLI to completion.</summary>
internal static class TraceloopCli
{
    internal static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments)
    {
        using var process = new Process { StartInfo = WatchProcess.Start(arguments) };
        process.Start();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output, await error);
    }
}
