// syscallcount: counts the syscalls of every process on the machine for a few seconds, in the kernel
// (a BPF program on raw_syscalls:sys_enter updating a hash map), and prints the busiest processes.
//
//   dotnet run --project samples/SyscallCount -- [seconds] [top]
using System.Reflection;
using Gadget.Bpf;
using SyscallCount;

var seconds = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 3;
var top = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 15;

try
{
    using var bpf = BpfObject.FromEmbeddedResource(Assembly.GetExecutingAssembly(), "syscall_events.bpf.o");
    bpf.Load(); // target_tgid = 0: count every process, emit no records
    using var link = bpf.Program("on_sys_enter").AttachTracepoint("raw_syscalls", "sys_enter");
    Console.Error.WriteLine($"Counting syscalls of every process for {seconds} s (Ctrl-C to stop early)...");

    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token);
    }
    catch (OperationCanceledException)
    {
    }

    var counts = bpf.Map("syscall_counts").As<ProcessKey, ulong>();
    var rows = counts.Entries.OrderByDescending(e => e.Value).Take(top).ToList();
    Console.WriteLine($"{"PID",8} {"COMM",-16} {"SYSCALLS",12} {"PER SEC",10}");
    foreach (var (key, count) in rows)
    {
        Console.WriteLine($"{key.Tgid,8} {key.CommText,-16} {count,12} {count / (double)seconds,10:F0}");
    }
    return 0;
}
catch (Exception e) when (e is BpfException or NotSupportedException or DllNotFoundException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"syscallcount: {e.Message}");
    return 1;
}
