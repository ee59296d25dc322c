// gadget-agent: traceloop and the gadgets of this node over HTTP on a Unix socket (and TLS on TCP).
//
//   gadget-agent [--socket PATH|none] [--urls https://IP:PORT ...] [limits] [--kubernetes auto|off] ...
//   gadget-agent --help lists every option; nothing is started or touched for --help or a bad command line.
using Gadget.Agent;
using Gadget.CommandLine;

// Not CliHost.RunAsync: a daemon's standard output going away (a closed pipe) must not stop it; SIGINT and SIGTERM do,
// from the start (the command line is parsed once they are handled; before the host handles them, CliHost's handlers
// take them, and the token stops the agent: a SIGTERM in its first tenths of a second was swallowed, the agent ran on).
return await CliHost.RunProcessAsync("gadget-agent", (output, error, _) => CliHost.InvokeAsync("gadget-agent", AgentCommandLine.Create(AgentMain.RunAsync), args, output, error, CliHost.InterruptedToken));
