using System.Diagnostics;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// A C program built here by clang-19 (static, -O0, frame pointers kept) that burns CPU for the profiler tests:
/// <c>spin SECONDS</c> loops in <see cref="SpinFunction"/>, <c>syscalls SECONDS</c> calls getppid(2) in a loop in
/// <see cref="SyscallFunction"/>. Built once per test run, in a directory of its own (a container bind-mounts it).
/// </summary>
internal static class SpinProgram
{
    public const string SpinFunction = "gadget_profile_spin_7d1c";
    public const string SyscallFunction = "gadget_profile_getppid_7d1c";

    private const string Source = """
        #include <stdlib.h>
        #include <string.h>
        #include <time.h>
        #include <unistd.h>

        static volatile unsigned long sink;

        static double since(const struct timespec *start)
        {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            return (now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
        }

        __attribute__((noinline)) void gadget_profile_spin_7d1c(double seconds)
        {
            struct timespec start;
            clock_gettime(CLOCK_MONOTONIC, &start);
            do {
                for (unsigned long i = 0; i < 10000000; i++)
                    sink += i;
            } while (since(&start) < seconds);
        }

        __attribute__((noinline)) void gadget_profile_getppid_7d1c(double seconds)
        {
            struct timespec start;
            clock_gettime(CLOCK_MONOTONIC, &start);
            do {
                for (int i = 0; i < 100000; i++)
                    sink += getppid();
            } while (since(&start) < seconds);
        }

        int main(int argc, char **argv)
        {
            if (argc != 3)
                return 2;
            double seconds = atof(argv[2]);
            if (strcmp(argv[1], "spin") == 0)
                gadget_profile_spin_7d1c(seconds);
            else
                gadget_profile_getppid_7d1c(seconds);
            return 0;
        }
        """;

    private static readonly Lazy<string> Built = new(Build);

    /// <summary>The directory holding the program (as <c>profspin</c>) and a copy named <c>profspin-other</c>.</summary>
    public static string Directory => Path.GetDirectoryName(Built.Value)!;

    /// <summary>The program's path.</summary>
    public static string Binary => Built.Value;

    /// <summary>Starts the program (or its copy named <paramref name="name"/>) with <c>MODE SECONDS</c>.</summary>
    public static Process Start(string mode, double seconds, string name = "profspin")
    {
        var info = new ProcessStartInfo(Path.Combine(Directory, name)) { UseShellExecute = false };
        info.ArgumentList.Add(mode);
        info.ArgumentList.Add(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Process.Start(info)!;
    }

    private static string Build()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"gadget-profile-{Environment.ProcessId}");
        System.IO.Directory.CreateDirectory(directory);
        var source = Path.Combine(directory, "profspin.c");
        var binary = Path.Combine(directory, "profspin");
        File.WriteAllText(source, Source);
        var (code, output) = Run("clang-19", "-O0", "-fno-omit-frame-pointer", "-static", "-o", binary, source);
        if (code != 0)
        {
            throw new InvalidOperationException("clang-19 failed: " + output);
        }
        File.Copy(binary, Path.Combine(directory, "profspin-other"), overwrite: true);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return binary;
    }

    /// <summary>Runs a tool to completion: its exit code and output.</summary>
    public static (int Code, string Output) Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish");
        }
        return (process.ExitCode, output.Result + error.Result);
    }
}
