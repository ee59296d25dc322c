// gadgets: container-aware BPF gadgets on tracepoints, with ig's command line.
//
//   gadgets <command> [selector] [-o columns|json|jsonpretty|yaml] [--fields a,b] [--filter f==v,f!=v,f~re] [--timeout SECONDS] ...
//   gadgets <command> --help lists the command's flags and fields.
using System.CommandLine;
using Gadget.CommandLine;
using Gadgets;

// Built once SIGINT/SIGTERM are handled (CliHost.RunAsync): a signal while the commands are built stops the tool cleanly.
return await CliHost.RunAsync("gadgets", () => new RootCommand("gadgets: container-aware eBPF gadgets (execsnoop, opensnoop, sigsnoop, oomkill, exitsnoop, bindsnoop, mountsnoop, tcpconnect, tcpaccept, tcptop, tcpretrans, tcpdrop, top file, capable, profile cpu, trace dns), process and socket snapshots and a NetworkPolicy advisor. Needs root, or CAP_BPF + CAP_PERFMON with, by gadget, CAP_DAC_READ_SEARCH (tracepoints; selecting containers, with CAP_SYS_PTRACE), CAP_NET_RAW (trace dns), CAP_SYS_ADMIN (containers' network namespaces): README.md, Running without root.")
{
    ExecSnoopCommand.Create(),
    OpenSnoopCommand.Create(),
    SigSnoopCommand.Create(),
    OomKillCommand.Create(),
    ExitSnoopCommand.Create(),
    BindSnoopCommand.Create(),
    MountSnoopCommand.Create(),
    TcpCommands.Connect(),
    TcpCommands.Accept(),
    TcpTopCommand.Create(),
    FileTopCommand.Create(),
    TcpTroubleCommands.Retrans(),
    TcpTroubleCommands.Drop(),
    CapableCommand.Create(),
    SnapshotProcessCommand.Create(),
    ProfileCpuCommand.Create(),
    NetworkPolicyCommand.Create(),
    new Command("trace", "Trace events that need more than a tracepoint.") { DnsCommand.Create() },
}, args);
