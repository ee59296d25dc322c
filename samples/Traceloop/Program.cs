using Gadget.Traceloop;
using Traceloop;

return await Cli.RunAsync(args);
