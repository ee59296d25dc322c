using System.Diagnostics;

namespace Gadget.Containers.Tests;

/// <summary>Runs a program on the host to its end (standard streams inherited) for the tests that set the scene with one.</summary>
internal static class HostCommand
{
    /// <summary>Runs <paramref name="file"/> with <paramref name="arguments"/>; its exit code (a TimeoutException after 2 minutes).</summary>
    public static int Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish");
        }
        return process.ExitCode;
    }
}
