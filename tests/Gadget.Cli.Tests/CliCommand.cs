namespace Gadget.Cli.Tests;

/// <summary>
/// One command of one tool: its words, what must follow its options for the command line to be complete, and how to
/// run it briefly when it traces (null: it does not load BPF programs).
/// </summary>
internal sealed record CliCommand(Tool Tool, string[] Words, string[] Tail, string[]? TraceRun)
{
    public override string ToString() => $"{Tool.Name} {string.Join(' ', Words)}".TrimEnd();

    /// <summary>Every command of every tool (the agent: its one command line, with a socket no test uses, never started).</summary>
    internal static readonly CliCommand[] All =
    [
        .. ((string[])["execsnoop", "opensnoop", "sigsnoop", "oomkill", "exitsnoop", "bindsnoop", "mountsnoop", "tcpconnect", "tcpaccept", "tcptop", "tcpretrans", "tcpdrop"])
            .Select(g => new CliCommand(Tool.Gadgets, [g], [], [g, "--host", "--timeout", "86400"])),
        // capable cannot trace on a kernel without kprobes (this machine's): CapableCliTests covers its run.
        new(Tool.Gadgets, ["capable"], [], null),
        new(Tool.Gadgets, ["snapshot", "process"], [], ["snapshot", "process", "--host"]),
        new(Tool.Gadgets, ["snapshot", "socket"], [], ["snapshot", "socket", "--host"]),
        new(Tool.Gadgets, ["top", "file"], [], ["top", "file", "--host", "--timeout", "86400"]),
        new(Tool.Gadgets, ["profile", "cpu"], [], ["profile", "cpu", "--host", "--duration", "86400"]),
        new(Tool.Gadgets, ["trace", "dns"], [], ["trace", "dns", "--host", "--timeout", "86400"]),
        new(Tool.Gadgets, ["advise", "network-policy"], [], ["advise", "network-policy", "--timeout", "86400"]),
        new(Tool.Traceloop, ["run"], ["--", "true"], ["run", "--", "true"]),
        new(Tool.Traceloop, ["advise", "seccomp-profile"], ["--", "true"], ["advise", "seccomp-profile", "--", "true"]),
        new(Tool.Traceloop, ["watch"], ["--all"], ["watch", "--all", "--socket", "/tmp/gadget-cli-test-watch.sock"]),
        new(Tool.Traceloop, ["dump"], ["some-container"], null),
        new(Tool.SyscallCount, [], [], ["86400"]),
        new(Tool.Client, ["traceloop", "start"], [], null),
        new(Tool.Client, ["traceloop", "stop"], ["some-id"], null),
        new(Tool.Client, ["traceloop", "list"], [], null),
        new(Tool.Client, ["traceloop", "dump"], ["some-container"], null),
        new(Tool.Client, ["containers"], [], null),
        new(Tool.Client, ["dns"], [], null),
        .. ((string[])["execsnoop", "opensnoop", "tcpconnect", "tcpaccept", "sigsnoop", "oomkill", "exitsnoop", "bindsnoop", "mountsnoop", "tcpretrans", "tcpdrop", "capable", "tcptop"])
            .Select(g => new CliCommand(Tool.Client, [g], [], null)),
        new(Tool.Client, ["top", "file"], [], null),
        new(Tool.Client, ["snapshot", "process"], [], null),
        new(Tool.Client, ["snapshot", "socket"], [], null),
        new(Tool.Client, ["profile", "cpu"], [], null),
        new(Tool.Agent, [], ["--socket", "/tmp/gadget-cli-test-agent-never-started.sock"], null),
    ];

    /// <summary>The commands that group others (their --help lists them).</summary>
    internal static readonly (Tool Tool, string[] Words)[] Groups =
    [
        (Tool.Gadgets, []), (Tool.Gadgets, ["advise"]), (Tool.Gadgets, ["snapshot"]), (Tool.Gadgets, ["top"]), (Tool.Gadgets, ["profile"]), (Tool.Gadgets, ["trace"]),
        (Tool.Traceloop, []), (Tool.Traceloop, ["advise"]),
        (Tool.Client, []), (Tool.Client, ["traceloop"]), (Tool.Client, ["top"]), (Tool.Client, ["snapshot"]), (Tool.Client, ["profile"]),
    ];

    /// <summary>A value each typed option refuses, by option name.</summary>
    internal static readonly IReadOnlyDictionary<string, string> BadValues = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--timeout"] = "-1",
        ["--interval"] = "0",
        ["--duration"] = "0",
        ["--frequency"] = "0",
        ["--max-stacks"] = "100",
        ["--count"] = "0",
        ["--rows"] = "abc",
        ["--max-rows"] = "0",
        ["--sort"] = "size",
        ["--ring-size"] = "100",
        ["--spare-rings"] = "0",
        ["--containerindex"] = "99999999999",
        ["--runtime"] = "nosuchruntime",
        ["--label"] = "novalue",
        ["--output"] = "xml",
        ["--output-file"] = "/nonexistent/dir/out",
        ["--string-limit"] = "-1",
        ["--trace"] = "trace=", // an unknown syscall is refused by the agent, not gadget traceloop dump: TraceloopPrintFlagsTests, AgentPrintFlagsTests
        ["--output-buffering"] = "block",
        ["--fields"] = "nosuchfield",
        ["--filter"] = "nooperator",
        ["--pid"] = "-5",
        ["--cap"] = "CAP_NO_SUCH",
        ["--signal"] = "99",
        ["--port"] = "65536",
        ["--proto"] = "sctp",
        ["--pages"] = "3",
        ["--agent"] = "foo",
        ["--allow-uid"] = "abc",
        ["--urls"] = "http://127.0.0.1:1",
        ["--max-connections"] = "0",
        ["--max-connections-per-caller"] = "x",
        ["--max-streams"] = "0",
        ["--max-streams-per-caller"] = "-1",
        ["--max-traces"] = "0",
        ["--max-traces-per-caller"] = "0",
        ["--rate"] = "-1",
        ["--client-queue"] = "0",
        ["--kubernetes"] = "maybe",
        ["--metrics-listen"] = "10.0.0.1:9464", // not loopback, without --metrics-allow-remote
        ["--agent-port"] = "0",
        ["--agent-selector"] = "app=gadget-agent,,x",
        ["--reason"] = "NO_SUCH_REASON", // not one of the kernel's skb drop reasons (it matched nothing, silently)
    };

    /// <summary>Options whose value is free text (a name, a path): no value is wrong when parsed.</summary>
    internal static readonly ISet<string> FreeText = new HashSet<string>(StringComparer.Ordinal)
    {
        "--namespace", "--podname", "--name", "--id", "--file", "--seccomp-profile", "--socket",
        "--token-file", "--ca-cert", "--client-cert", "--client-key",
        "--socket-group", "--tls-cert", "--tls-key", "--client-ca", "--kubeconfig", "--node",
        "--context", "--agent-namespace",
    };

    /// <summary>Bad positional values (the arguments of syscallcount).</summary>
    internal static readonly (Tool Tool, string[] Arguments, string Mentions)[] BadArguments =
    [
        (Tool.SyscallCount, ["abc"], "seconds"),
        (Tool.SyscallCount, ["3", "0"], "top"),
        (Tool.SyscallCount, ["1e300"], "seconds"),
        // A word before '--' that is no option's value was taken as the command to run (here /tmp/x, with 'true' its argument).
        (Tool.Traceloop, ["run", "-o", "json", "/tmp/x", "--", "true"], "'/tmp/x' before '--' is not an option or its value: the command to run and its arguments go after '--'; to write the history to a file, give --output-file /tmp/x (-o is the format: text or json)."),
        (Tool.Traceloop, ["run", "-T", "sh", "--", "-c", "true"], "'sh' before '--' is not an option or its value"),
        (Tool.Traceloop, ["run", "a", "b", "--", "true"], "'a' 'b' before '--' are not options or their value"),
        (Tool.Traceloop, ["advise", "seccomp-profile", "./profile.json", "--", "true"], "give --file ./profile.json."),
    ];
}
