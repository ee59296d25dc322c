using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Gadget.Gadgets;

namespace Gadget.Benchmarks;

/// <summary>
/// How many events per second ExecSnoop and OpenSnoop keep up with, how many they lose, and what they cost, compared in
/// the same run with Debian's libbpf-tools (<c>/usr/sbin/opensnoop</c>, <c>/usr/sbin/execsnoop</c>, the C baseline).
/// Not a BenchmarkDotNet benchmark (loss and a second process's CPU time are not what it measures):
/// <c>dotnet run -c Release --project benchmarks/Gadget.Benchmarks -- gadget-throughput [opens] [execs] [rounds]</c>.
/// A generator written in C (compiled with gcc into a temp directory) does N open+close of one marker path, or N
/// fork+exec of /bin/true with a marker argument, as fast as it can; each arm traces the whole host (no pid filter),
/// counts the events carrying the marker, and measures the generator's wall time and the consumer's CPU time.
/// </summary>
internal static partial class GadgetThroughputBenchmarks
{
    private const string GeneratorSource = """
        #include <fcntl.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/wait.h>
        #include <unistd.h>
        int main(int argc, char **argv) {
            long n = atol(argv[2]);
            if (strcmp(argv[1], "open") == 0) {
                for (long i = 0; i < n; i++) { int fd = open(argv[3], O_RDONLY); if (fd >= 0) close(fd); }
            } else {
                for (long i = 0; i < n; i++) {
                    pid_t pid = fork();
                    if (pid == 0) { execl("/bin/true", "/bin/true", argv[3], (char *)0); _exit(127); }
                    int status; waitpid(pid, &status, 0);
                }
            }
            return 0;
        }
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var opens = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200_000;
        var execs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2_000;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        var work = Directory.CreateTempSubdirectory("gadget-throughput-");
        try
        {
            var generator = Path.Combine(work.FullName, "generator");
            File.WriteAllText(generator + ".c", GeneratorSource);
            Run("gcc", $"-O2 -o {generator} {generator}.c");
            var marker = Path.Combine(work.FullName, "marker-file");
            File.WriteAllText(marker, "x");
            var gadgetsTool = FindGadgetsTool();
            Console.WriteLine($"# {Environment.ProcessorCount} CPUs, load average {File.ReadAllText("/proc/loadavg").Trim()}");
            Console.WriteLine($"# gadgets tool: {gadgetsTool ?? "not found (build samples/Gadgets -c Release)"}");
            Console.WriteLine("| Workload | Arm | Events | Received | Lost | Generator time | Events/s | Generator ns/event | Consumer CPU ms | Consumer CPU us/event |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (var round = 0; round < rounds; round++)
            {
                foreach (var (kind, count, argument) in new[] { ("open", opens, marker), ("exec", execs, "gadget-exec-marker") })
                {
                    Print(kind, "untraced", count, await Untraced(generator, kind, count, argument));
                    Print(kind, "Gadget library (count only)", count, await Library(generator, kind, count, argument));
                    if (gadgetsTool is not null)
                    {
                        Print(kind, $"`gadgets {kind}snoop --host` (columns)", count,
                            await External(generator, kind, count, argument, gadgetsTool, $"{kind}snoop --host"));
                    }
                    var baseline = $"/usr/sbin/{kind}snoop";
                    if (File.Exists(baseline))
                    {
                        Print(kind, $"libbpf-tools `{kind}snoop`", count,
                            await External(generator, kind, count, argument, "/usr/bin/stdbuf", $"-oL {baseline}"));
                    }
                }
            }
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static void Print(string kind, string arm, int count, Result r) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {kind} | {arm} | {count} | {r.Received?.ToString(CultureInfo.InvariantCulture) ?? "-"} | {(r.Received is { } got ? (count - got).ToString(CultureInfo.InvariantCulture) : "-")} | {r.Generator.TotalMilliseconds:F0} ms | {count / r.Generator.TotalSeconds:F0} | {r.Generator.TotalMilliseconds * 1e6 / count:F0} | {(r.ConsumerCpu is { } c ? c.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture) : "-")} | {(r.ConsumerCpu is { } c2 ? (c2.TotalMilliseconds * 1000 / count).ToString("F2", CultureInfo.InvariantCulture) : "-")} |"));

    private static async Task<Result> Untraced(string generator, string kind, int count, string argument)
    {
        var time = await Generate(generator, kind, count, argument);
        return new Result(time, null, null);
    }

    private static async Task<Result> Library(string generator, string kind, int count, string argument)
    {
        var received = 0;
        using var stop = new CancellationTokenSource();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        Task reader;
        IAsyncDisposable gadget;
        if (kind == "open")
        {
            var snoop = OpenSnoop.Start(new GadgetOptions());
            gadget = snoop;
            reader = Task.Run(async () =>
            {
                await foreach (var e in snoop.ReadAsync(stop.Token))
                {
                    if (e.Path == argument)
                    {
                        Interlocked.Increment(ref received);
                    }
                }
            });
        }
        else
        {
            var snoop = ExecSnoop.Start(new GadgetOptions());
            gadget = snoop;
            reader = Task.Run(async () =>
            {
                await foreach (var e in snoop.ReadAsync(stop.Token))
                {
                    if (e.Arguments.Count > 1 && e.Arguments[1] == argument)
                    {
                        Interlocked.Increment(ref received);
                    }
                }
            });
        }
        var time = await Generate(generator, kind, count, argument);
        await Drain(() => Volatile.Read(ref received), count);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        stop.Cancel();
        try
        {
            await reader;
        }
        catch (OperationCanceledException)
        {
        }
        await gadget.DisposeAsync();
        return new Result(time, received, cpu);
    }

    private static async Task<Result> External(string generator, string kind, int count, string argument, string tool, string toolArguments)
    {
        var info = new ProcessStartInfo(tool, toolArguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var lines = 0;
        var received = 0;
        var stdout = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                Interlocked.Increment(ref lines);
                if (line.Contains(argument, StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref received);
                }
            }
        });
        var stderr = process.StandardError.ReadToEndAsync();
        // Ready once it printed something (libbpf-tools: its header; gadgets: its first event, poked by warm-up events).
        var watch = Stopwatch.StartNew();
        while (Volatile.Read(ref lines) == 0 && watch.Elapsed < TimeSpan.FromSeconds(20) && !process.HasExited)
        {
            await Generate(generator, kind, 1, "warm-up");
            await Task.Delay(100);
        }
        await Task.Delay(200);
        var toolPid = TracerPid(process);
        var cpuBefore = CpuTime(toolPid);
        var time = await Generate(generator, kind, count, argument);
        await Drain(() => Volatile.Read(ref received), count);
        var cpu = CpuTime(toolPid) - cpuBefore;
        _ = kill(process.Id, 2); // SIGINT, as a user would stop it
        if (!process.WaitForExit(10_000))
        {
            process.Kill(entireProcessTree: true);
        }
        await stdout;
        await stderr;
        return new Result(time, received, cpu);
    }

    private static int TracerPid(Process process)
    {
        // stdbuf execs the tool: same pid.
        return process.Id;
    }

    private static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ
    }

    private static async Task Drain(Func<int> received, int expected)
    {
        var last = -1;
        var stable = Stopwatch.StartNew();
        while (received() < expected && stable.Elapsed < TimeSpan.FromSeconds(2))
        {
            var now = received();
            if (now != last)
            {
                last = now;
                stable.Restart();
            }
            await Task.Delay(50);
        }
    }

    private static async Task<TimeSpan> Generate(string generator, string kind, int count, string argument)
    {
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(new ProcessStartInfo(generator) { ArgumentList = { kind, count.ToString(CultureInfo.InvariantCulture), argument }, UseShellExecute = false })!;
        await process.WaitForExitAsync();
        return watch.Elapsed;
    }

    private static void Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { UseShellExecute = false })!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed");
        }
    }

    private static string? FindGadgetsTool()
    {
        if (Environment.GetEnvironmentVariable("GADGETS_TOOL") is { } configured)
        {
            return configured;
        }
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            foreach (var configuration in (string[])["Release", "Debug"])
            {
                var candidate = Path.Combine(directory.FullName, "samples", "Gadgets", "bin", configuration, "net10.0", "gadgets");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    [LibraryImport("libc")]
    private static partial int kill(int pid, int signal);

    private sealed record Result(TimeSpan Generator, int? Received, TimeSpan? ConsumerCpu);
}
