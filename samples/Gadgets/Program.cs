// gadgets: container-aware BPF gadgets on tracepoints.
//
//   gadgets <command> [selector] [--output columns|json] [--timeout SECONDS] [--ring-size BYTES] [command options]
//   events the kernel drops (ring buffer full) are reported as they happen: a stderr line (columns) or a {"type":"lost"} line (json)
//   selector: --label k=v,k2=v2 --namespace NS --podname POD --containerindex N --name NAME --id PREFIX --runtime R
//             --all (every container, the default) | --host (every process on the host)
using Gadget.Bpf;
using Gadgets;

var commands = new Dictionary<string, GadgetCommandHandler>(StringComparer.Ordinal)
{
    // One line per subcommand; each lives in its own file.
    ["tcpconnect"] = TcpCommands.ConnectAsync,
    ["tcpaccept"] = TcpCommands.AcceptAsync,
    ["tcptop"] = TcpCommands.TopAsync,
    ["advise"] = NetworkPolicyCommand.RunAsync,
    ["execsnoop"] = ExecSnoopCommand.RunAsync,
    ["opensnoop"] = OpenSnoopCommand.RunAsync,
    ["sigsnoop"] = SigSnoopCommand.RunAsync,
    ["oomkill"] = OomKillCommand.RunAsync,
};

if (args.Length == 0 || args[0] is "-h" or "--help" || !commands.TryGetValue(args[0], out var handler))
{
    Console.Error.WriteLine("usage: gadgets <command> [--label k=v,...] [--namespace NS] [--podname POD] [--containerindex N]");
    Console.Error.WriteLine("                [--name NAME] [--id PREFIX] [--runtime R] [--all | --host] [--output columns|json] [--timeout SECONDS] [--ring-size BYTES] [options]");
    Console.Error.WriteLine("commands: " + string.Join(", ", commands.Keys.Order(StringComparer.Ordinal)));
    return args.Length == 0 || args[0] is "-h" or "--help" ? 0 : 2;
}

try
{
    var line = CommandLine.Parse(args[1..], ["--timeout", "--max-args", "--pid", "--signal", "--interval", "--count", "--rows", "--file"]);
    await using var context = GadgetContext.Create(line);
    return await handler(line, context);
}
catch (FormatException e)
{
    Console.Error.WriteLine($"gadgets {args[0]}: {e.Message}");
    return 2;
}
catch (Exception e) when (e is BpfException or NotSupportedException or DllNotFoundException or UnauthorizedAccessException or IOException)
{
    Console.Error.WriteLine($"gadgets {args[0]}: {e.Message}");
    return 1;
}
