// gadget-agent: traceloop and the gadgets of this node over HTTP on a Unix socket (and TLS on TCP).
//
//   gadget-agent [--socket PATH|none] [--urls https://IP:PORT ...] [limits] [--kubernetes auto|off] ...
//   gadget-agent --help lists every option; nothing is started or touched for --help or a bad command line.
using Gadget.Agent;
using Gadget.CommandLine;

var root = AgentCommandLine.Create(AgentMain.RunAsync);
// Not CliHost.RunAsync: a daemon's standard output going away (a closed pipe) must not stop it.
return await CliHost.RunProcessAsync("gadget-agent", (output, error, _) => CliHost.InvokeAsync("gadget-agent", root, args, output, error, CancellationToken.None));
