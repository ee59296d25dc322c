using Gadget.Traceloop;
using Traceloop;

_ = TracedCommand.StartingOpenFileSoftLimit; // read before anything else: traceloop's parent is still the one it was started by
return await Cli.RunAsync(args);
