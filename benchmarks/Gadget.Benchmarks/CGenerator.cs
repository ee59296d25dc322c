using System.Diagnostics;

namespace Gadget.Benchmarks;

/// <summary>The benchmarks' load generators: small C programs built here with gcc.</summary>
internal static class CGenerator
{
    /// <summary>Compiles <paramref name="source"/> (gcc -O2) into <paramref name="work"/>/<paramref name="name"/>; returns the program's path.</summary>
    public static string Compile(DirectoryInfo work, string name, string source)
    {
        var program = Path.Combine(work.FullName, name);
        File.WriteAllText(program + ".c", source);
        using var gcc = Process.Start("gcc", ["-O2", "-o", program, program + ".c"]);
        gcc.WaitForExit();
        return gcc.ExitCode == 0 ? program : throw new InvalidOperationException($"gcc failed ({gcc.ExitCode}) on {program}.c");
    }
}
