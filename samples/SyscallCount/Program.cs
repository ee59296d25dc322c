// syscallcount: counts the syscalls of every process on the machine for a few seconds, in the kernel
// (a BPF program on raw_syscalls:sys_enter updating a hash map), and prints the busiest processes.
//
//   dotnet run --project samples/SyscallCount -- [seconds] [top]      (--help: the options)
using System.Reflection;
using System.CommandLine;
using Gadget.Bpf;
using Gadget.CommandLine;
using SyscallCount;

// Built once SIGINT/SIGTERM are handled (CliHost.RunAsync with a factory): a signal while the command is built stops the
// tool cleanly (exit 0), as one a moment later does, not by the signal's default action (exit 143, silently).
return await CliHost.RunAsync("syscallcount", CreateRoot, args);

static RootCommand CreateRoot()
{
    var secondsArgument = new Argument<int>("seconds")
    {
        Description = "how long to count (1 to 86400)",
        Arity = ArgumentArity.ZeroOrOne,
        DefaultValueFactory = _ => 3,
        CustomParser = r => Whole(r, "seconds", 1, 86_400, 3),
    };
    var topArgument = new Argument<int>("top")
    {
        Description = "how many processes to print, the busiest first (1 to 100000)",
        Arity = ArgumentArity.ZeroOrOne,
        DefaultValueFactory = _ => 15,
        CustomParser = r => Whole(r, "top", 1, 100_000, 15),
    };
    var root = new RootCommand("syscallcount: counts the syscalls of every process for a few seconds, in the kernel (a BPF program on raw_syscalls:sys_enter updating a hash map), and prints the busiest processes. Needs root, or CAP_BPF + CAP_PERFMON + CAP_DAC_READ_SEARCH (it attaches to a tracepoint, whose id is in tracefs, root's).")
    {
        secondsArgument,
        topArgument,
    };
    root.SetAction(async (result, cancellationToken) =>
    {
        var seconds = result.GetValue(secondsArgument);
        var top = result.GetValue(topArgument);
        // target_tgid = 0 as compiled: count every process, emit no records; nothing to change before load.
        using var bpf = BpfObject.LoadEmbeddedResource(Assembly.GetExecutingAssembly(), "syscall_events.bpf.o");
        using var link = bpf.Program("on_sys_enter").AttachTracepoint("raw_syscalls", "sys_enter");
        CliHost.Ready($"counting syscalls of every process for {seconds} s (Ctrl-C to stop early)");
        var started = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
        var elapsed = Math.Max(started.Elapsed.TotalSeconds, 0.001);
        var counts = bpf.Map("syscall_counts").As<ProcessKey, ulong>();
        var rows = counts.Entries.OrderByDescending(e => e.Value).Take(top).ToList();
        Console.WriteLine($"{"PID",8} {"COMM",-16} {"SYSCALLS",12} {"PER SEC",10}");
        foreach (var (key, count) in rows)
        {
            Console.WriteLine($"{key.Tgid,8} {key.CommText,-16} {count,12} {count / elapsed,10:F0}");
        }
        return 0;
    });
    return root;
}

static int Whole(System.CommandLine.Parsing.ArgumentResult result, string name, int min, int max, int defaultValue)
{
    var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
    if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < min || value > max)
    {
        result.AddError($"{name} is a whole number from {min} to {max}, not '{text}'.");
        return defaultValue;
    }
    return value;
}
