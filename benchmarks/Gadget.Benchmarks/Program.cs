using BenchmarkDotNet.Running;
using Gadget.Benchmarks;

if (args is ["tcp-load", ..])
{
    return TcpGadgetBenchmarks.LoadMain(args);
}
if (args is ["tcp-gadgets", ..])
{
    return await TcpGadgetBenchmarks.RunAsync(args);
}
if (args is ["tool-startup", .. var startupArgs])
{
    return await ToolStartupBenchmarks.RunAsync(startupArgs);
}
if (args is ["syscall-floor"])
{
    return SyscallFloor.RunUntilStopped();
}
if (args is ["gadget-throughput", .. var rest])
{
    return await Gadget.Benchmarks.GadgetThroughputBenchmarks.RunAsync(rest);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
