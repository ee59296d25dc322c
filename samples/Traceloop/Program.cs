using Gadget.Traceloop;
using Traceloop;

StartingOpenFileLimit.Capture(); // before anything else: traceloop's parent is still the one it was started by
return await Cli.RunAsync(args);
