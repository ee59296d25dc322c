using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Gadget.Gadgets;

namespace Gadget.Benchmarks;

/// <summary>
/// TcpConnect under load: how many connections per second it reports without loss, and its CPU cost, next to Debian's
/// libbpf-tools <c>tcplife</c> (the C baseline: libbpf-tools' <c>tcpconnect</c> needs kprobes, which this kernel lacks;
/// <c>tcplife</c> is built on the same <c>sock:inet_sock_set_state</c> tracepoint and prints one line per connection).
/// Not a BenchmarkDotNet benchmark: a load generator in a child process (this assembly with <c>tcp-load</c>) opens and
/// resets connections to a local listener at a target rate, while one consumer at a time counts what it reports.
/// Run: <c>dotnet run -c Release --project benchmarks/Gadget.Benchmarks -- tcp-gadgets [seconds [rate...]]</c> (rate 0: as fast as possible).
/// </summary>
internal static class TcpGadgetBenchmarks
{
    private static readonly int[] Rates = [2_000, 10_000, 0];

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var rates = args.Length > 2 ? args[2..].Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToArray() : Rates;
        Console.WriteLine($"TcpConnect load, {seconds} s per run, {Environment.ProcessorCount} CPUs, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        await RunGadget(FreePort(), 1_000, 0.5); // warm-up: JIT and first load out of the measured runs
        Console.WriteLine("| target conn/s | consumer | connections | conn/s | reported | lost | consumer CPU ms | consumer CPU us/event | load CPU us/conn |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var rate in rates)
        {
            foreach (var consumer in (string[])["none", "Gadget TcpConnect", "libbpf-tools tcplife"])
            {
                var port = FreePort();
                var row = consumer switch
                {
                    "none" => await RunNone(port, rate, seconds),
                    "Gadget TcpConnect" => await RunGadget(port, rate, seconds),
                    _ => await RunTcplife(port, rate, seconds),
                };
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {(rate == 0 ? "max" : rate.ToString(CultureInfo.InvariantCulture))} | {consumer} | {row.Connections} | {row.Connections / row.Elapsed:F0} | {(consumer == "none" ? "-" : row.Reported.ToString(CultureInfo.InvariantCulture))} | {(consumer == "none" ? "-" : (row.Connections - row.Reported).ToString(CultureInfo.InvariantCulture))} | {(consumer == "none" ? "-" : row.ConsumerCpu.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture))} | {(row.Reported == 0 ? "-" : (row.ConsumerCpu.TotalMicroseconds / row.Reported).ToString("F2", CultureInfo.InvariantCulture))} | {row.LoadCpu.TotalMicroseconds / Math.Max(1, row.Connections):F1} |"));
            }
        }
        return 0;
    }

    private sealed record Row(long Connections, double Elapsed, long Reported, TimeSpan ConsumerCpu, TimeSpan LoadCpu);

    private static async Task<Row> RunNone(int port, int rate, double seconds)
    {
        var (connections, elapsed, loadCpu) = await Load(port, rate, seconds);
        return new Row(connections, elapsed, 0, TimeSpan.Zero, loadCpu);
    }

    private static async Task<Row> RunGadget(int port, int rate, double seconds)
    {
        await using var gadget = TcpConnect.Start(new GadgetOptions());
        using var stop = new CancellationTokenSource();
        long reported = 0;
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in gadget.ReadAsync(stop.Token))
                {
                    if (e.DestinationPort == port && e.Succeeded)
                    {
                        reported++;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var (connections, elapsed, loadCpu) = await Load(port, rate, seconds);
        await Task.Delay(1000);
        var consumerCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        await stop.CancelAsync();
        await reader;
        if (gadget.LostEvents != 0)
        {
            Console.WriteLine($"  (ring buffer full: {gadget.LostEvents} events lost in the kernel)");
        }
        return new Row(connections, elapsed, Interlocked.Read(ref reported), consumerCpu, loadCpu);
    }

    private static async Task<Row> RunTcplife(int port, int rate, double seconds)
    {
        var info = new ProcessStartInfo("stdbuf") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["-oL", "/usr/sbin/tcplife", "-D", port.ToString(CultureInfo.InvariantCulture)])
        {
            info.ArgumentList.Add(a);
        }
        using var tool = Process.Start(info)!;
        var header = await tool.StandardOutput.ReadLineAsync(); // printed once attached
        if (header is null)
        {
            throw new InvalidOperationException("tcplife failed: " + await tool.StandardError.ReadToEndAsync());
        }
        long reported = 0;
        var reader = Task.Run(async () =>
        {
            while (await tool.StandardOutput.ReadLineAsync() is { } line)
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 5 && fields[5] == port.ToString(CultureInfo.InvariantCulture))
                {
                    reported++;
                }
            }
        });
        var cpu = ProcessCpu(tool.Id);
        var (connections, elapsed, loadCpu) = await Load(port, rate, seconds);
        await Task.Delay(1000);
        var consumerCpu = ProcessCpu(tool.Id) - cpu;
        Kill(tool.Id, 2); // SIGINT, as the tools expect
        await tool.WaitForExitAsync();
        await reader;
        return new Row(connections, elapsed, reported, consumerCpu, loadCpu);
    }

    /// <summary>Runs the load generator (this assembly, <c>tcp-load</c>) in a child process.</summary>
    private static async Task<(long Connections, double Elapsed, TimeSpan Cpu)> Load(int port, int rate, double seconds)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        if (!Environment.ProcessPath!.EndsWith("Gadget.Benchmarks", StringComparison.Ordinal))
        {
            info.ArgumentList.Add(typeof(TcpGadgetBenchmarks).Assembly.Location);
        }
        foreach (var a in (string[])["tcp-load", port.ToString(CultureInfo.InvariantCulture), rate.ToString(CultureInfo.InvariantCulture), seconds.ToString(CultureInfo.InvariantCulture)])
        {
            info.ArgumentList.Add(a);
        }
        using var load = Process.Start(info)!;
        var output = (await load.StandardOutput.ReadToEndAsync()).Split(' ');
        await load.WaitForExitAsync();
        return (long.Parse(output[0], CultureInfo.InvariantCulture), double.Parse(output[1], CultureInfo.InvariantCulture), TimeSpan.FromMicroseconds(double.Parse(output[2], CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// The load generator: a listener on 127.0.0.1:port (accepting on its own thread) and connections to it at
    /// <c>rate</c> per second (0: as fast as possible) for <c>seconds</c>; each client socket closes with SO_LINGER 0
    /// (a reset: no TIME_WAIT, so ephemeral ports do not run out). Prints "connections elapsed-seconds cpu-microseconds".
    /// </summary>
    public static int LoadMain(string[] args)
    {
        var port = int.Parse(args[1], CultureInfo.InvariantCulture);
        var rate = int.Parse(args[2], CultureInfo.InvariantCulture);
        var seconds = double.Parse(args[3], CultureInfo.InvariantCulture);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(4096);
        var acceptor = new Thread(() =>
        {
            try
            {
                while (true)
                {
                    listener.Accept().Dispose();
                }
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        })
        { IsBackground = true };
        acceptor.Start();
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long count = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            if (rate > 0)
            {
                var due = count / (double)rate;
                var ahead = due - clock.Elapsed.TotalSeconds;
                if (ahead > 0.001)
                {
                    Thread.Sleep(TimeSpan.FromSeconds(ahead));
                }
            }
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.LingerState = new LingerOption(true, 0);
            client.Connect(endpoint);
            count++;
        }
        var elapsed = clock.Elapsed.TotalSeconds;
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.Write(string.Create(CultureInfo.InvariantCulture, $"{count} {elapsed:F3} {used.TotalMicroseconds:F0}"));
        return 0;
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static TimeSpan ProcessCpu(int pid)
    {
        // Fields 14 and 15 of /proc/PID/stat (utime, stime) in clock ticks (100 Hz), plus those of its children (16, 17:
        // stdbuf execs tcplife, so the pid is tcplife itself).
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
