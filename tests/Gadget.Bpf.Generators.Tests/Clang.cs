using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Gadget.Bpf.Generators.Tests;

/// <summary>Compiles a synthetic BPF object with clang-19 (as bpf/Makefile does: -g -O2 -target bpf) into a temporary directory.</summary>
internal static class Clang
{
    public static string Compile(string source, string name, params string[] flags)
    {
        var directory = Path.Combine(Path.GetTempPath(), "gadget-skeleton-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var input = Path.Combine(directory, name + ".bpf.c");
        var output = Path.Combine(directory, name + ".bpf.o");
        File.WriteAllText(input, source);
        var multiarch = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
        var start = new ProcessStartInfo("clang-19") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in (string[])["-O2", "-target", "bpf", "-Wall", "-Werror", "-idirafter", "/usr/include/" + multiarch, .. flags, "-c", input, "-o", output])
        {
            start.ArgumentList.Add(argument);
        }
        using var clang = Process.Start(start)!;
        var error = clang.StandardError.ReadToEnd();
        clang.WaitForExit();
        Assert.True(clang.ExitCode == 0, "clang-19 failed: " + error);
        return output;
    }
}
