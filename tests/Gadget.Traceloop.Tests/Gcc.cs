using System.Diagnostics;

namespace Gadget.Traceloop.Tests;

/// <summary>Builds a C test program with the machine's gcc.</summary>
internal static class Gcc
{
    /// <summary>Compiles <paramref name="source"/> (a file) into <paramref name="binary"/> with <paramref name="flags"/>; fails the test with gcc's errors.</summary>
    internal static string Compile(string source, string binary, params string[] flags)
    {
        var start = new ProcessStartInfo("/usr/bin/gcc") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in flags.Concat(["-o", binary, source]))
        {
            start.ArgumentList.Add(argument);
        }
        using var gcc = Process.Start(start)!;
        var errors = gcc.StandardError.ReadToEnd();
        gcc.StandardOutput.ReadToEnd();
        gcc.WaitForExit();
        Assert.True(gcc.ExitCode == 0, $"gcc failed: {errors}");
        return binary;
    }
}
