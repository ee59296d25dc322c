using Gadget.Client;
using Gadget.CommandLine;

// Ctrl-C, SIGTERM and a closed standard output cancel the command (CliHost).
return await CliHost.RunProcessAsync("gadget", (output, error, cancellationToken) => GadgetCli.RunAsync(args, output, error, cancellationToken));
