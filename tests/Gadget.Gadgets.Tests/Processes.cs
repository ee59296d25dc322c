using System.Diagnostics;

namespace Gadget.Gadgets.Tests;

/// <summary>Runs real processes for the tests.</summary>
internal static class Processes
{
    /// <summary>Runs <paramref name="file"/> with <paramref name="arguments"/> (argv[1..]) to completion; returns its pid and exit code.</summary>
    public static (int Pid, int ExitCode) Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var pid = process.Id;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        if (!process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish");
        }
        return (pid, process.ExitCode);
    }
}
