using System.Diagnostics;
using System.Globalization;

namespace Gadget.Benchmarks;

/// <summary>
/// Startup to first event and peak memory of the gadgets CLI (NativeAOT and JIT builds) next to Debian's libbpf-tools
/// (<c>/usr/sbin/opensnoop</c>, <c>/usr/sbin/execsnoop</c>), in the same run, rounds interleaved. Not a BenchmarkDotNet
/// benchmark: what it measures is another process's time to its first output line and its VmHWM.
/// <c>dotnet run -c Release --project benchmarks/Gadget.Benchmarks -- tool-startup [rounds]</c>. Each arm starts the tool
/// tracing the whole host (line-buffered: the C tools through <c>stdbuf -oL</c>, execsnoop with
/// <c>--output-buffering line</c>), then opens a marker file (opensnoop) or runs <c>/bin/true MARKER</c> (execsnoop) every 2 ms
/// until the tool prints a line with the marker: the time from starting the process to that line is "startup to first
/// event"; VmHWM (peak resident set) is read from /proc just before the tool is stopped with SIGINT.
/// The NativeAOT build is published into a scratch directory first (dotnet publish -r linux-x64, its own artifacts path).
/// </summary>
internal static partial class ToolStartupBenchmarks
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        var work = Directory.CreateTempSubdirectory("gadget-startup-");
        try
        {
            var root = FindRoot();
            var aot = Path.Combine(work.FullName, "aot");
            var publish = Process.Start(new ProcessStartInfo("dotnet", [
                "publish", Path.Combine(root, "samples", "Gadgets", "Gadgets.csproj"), "-c", "Release", "-r", "linux-x64",
                "-o", aot, "--artifacts-path", Path.Combine(work.FullName, "artifacts"), "-nologo", "-v", "quiet"]))!;
            await publish.WaitForExitAsync();
            if (publish.ExitCode != 0)
            {
                Console.Error.WriteLine("tool-startup: dotnet publish of samples/Gadgets failed");
                return 1;
            }
            var jit = Path.Combine(root, "samples", "Gadgets", "bin", "Release", "net10.0", "gadgets");
            var marker = Path.Combine(work.FullName, "startup-marker");
            File.WriteAllText(marker, "x");
            var results = new Dictionary<string, List<(double Ms, double Mb)>>();
            Console.WriteLine($"# {Environment.ProcessorCount} CPUs, load average {File.ReadAllText("/proc/loadavg").Trim()}, {rounds} rounds");
            for (var round = 0; round < rounds; round++)
            {
                foreach (var kind in new[] { "open", "exec" })
                {
                    var arms = new List<(string Name, string File, string[] Arguments)>();
                    if (File.Exists($"/usr/sbin/{kind}snoop"))
                    {
                        arms.Add(($"libbpf-tools {kind}snoop", "/usr/bin/stdbuf", ["-oL", $"/usr/sbin/{kind}snoop"]));
                    }
                    // The C tools run line-buffered (stdbuf -oL): execsnoop's own equivalent is --output-buffering line (its
                    // default to a pipe holds output up to 150 ms, as C stdio would hold it until 4 KiB without stdbuf).
                    string[] gadgetArguments = kind == "exec" ? ["execsnoop", "--host", "--output-buffering", "line"] : ["opensnoop", "--host"];
                    arms.Add(($"gadgets {kind}snoop (NativeAOT)", Path.Combine(aot, "gadgets"), gadgetArguments));
                    if (File.Exists(jit))
                    {
                        arms.Add(($"gadgets {kind}snoop (JIT)", jit, gadgetArguments));
                    }
                    foreach (var (name, file, arguments) in arms)
                    {
                        var measured = await MeasureAsync(file, arguments, kind, marker);
                        if (!results.TryGetValue(name, out var list))
                        {
                            results[name] = list = [];
                        }
                        list.Add(measured);
                    }
                }
            }
            Console.WriteLine("| Tool | Startup to first event (median ms) | Peak RSS (median MB) |");
            Console.WriteLine("|---|---:|---:|");
            foreach (var (name, list) in results)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {Median(list.Select(r => r.Ms)):F0} | {Median(list.Select(r => r.Mb)):F1} |"));
            }
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static async Task<(double Ms, double Mb)> MeasureAsync(string file, string[] arguments, string kind, string marker)
    {
        var clock = Stopwatch.StartNew();
        using var tool = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var seen = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var token = kind == "open" ? marker : "gadget-startup-marker";
        tool.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains(token, StringComparison.Ordinal) == true)
            {
                seen.TrySetResult(clock.Elapsed);
            }
        };
        tool.ErrorDataReceived += (_, _) => { };
        tool.BeginOutputReadLine();
        tool.BeginErrorReadLine();
        while (!seen.Task.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (kind == "open")
            {
                File.ReadAllBytes(marker);
            }
            else
            {
                using var child = Process.Start("/bin/true", token);
                await child.WaitForExitAsync();
            }
            await Task.Delay(2);
        }
        var startup = seen.Task.IsCompleted ? await seen.Task : TimeSpan.FromSeconds(double.NaN);
        var peakKb = File.ReadLines($"/proc/{tool.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        Kill(tool.Id, 2);
        await tool.WaitForExitAsync();
        return (startup.TotalMilliseconds, double.Parse(peakKb, CultureInfo.InvariantCulture) / 1024);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Gadget.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Gadget.sln not found above " + AppContext.BaseDirectory);
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
