using BenchmarkDotNet.Running;

if (args is ["gadget-throughput", .. var rest])
{
    return await Gadget.Benchmarks.GadgetThroughputBenchmarks.RunAsync(rest);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
