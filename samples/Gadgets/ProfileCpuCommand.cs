using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Containers;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets profile cpu</c>: stack samples of the selected containers (or the host), as ig's profile cpu and BCC's profile.</summary>
internal static class ProfileCpuCommand
{
    public static Command Create()
    {
        var profile = new Command("profile", "Sample what runs.");
        var command = new Command("cpu", "Sample the stacks running on every CPU (kernel and user frames, .NET JIT frames from the processes' perf maps) at a fixed frequency until --duration or Ctrl-C, then print the stacks, the most sampled first, or folded for flamegraph.pl and speedscope (--folded).");
        var schema = GadgetSchemas.ProfileCpu;
        CliHost.AddHelpSection(command, schema.Describe);
        var selector = new SelectorOptions(command);
        var output = new OutputOptions(command, [.. schema.Fields.Select(f => f.Name)]);
        var duration = ValueOptions.Seconds("--duration", "sample for this many seconds (> 0, at most 86400; default: until Ctrl-C)", null);
        var frequency = ValueOptions.Integer("--frequency", "samples per second on each CPU", 49, 1, 10_000);
        var pid = ValueOptions.Integer("--pid", "only this process id (0: every process)", 0, 0, int.MaxValue);
        var rows = ValueOptions.Integer("--max-rows", "the most sampled stacks shown (default: 20 in columns, all with -o json or --folded)", 0, 1, int.MaxValue);
        var maxStacks = ValueOptions.Integer("--max-stacks", "distinct stacks the kernel keeps (about 1 KiB each; stacks beyond are [missed])", 16384, 1024, 1 << 20);
        var folded = new Option<bool>("--folded", "-f") { Description = "print folded stacks (\"comm;frame;...;frame COUNT\", the outermost frame first) instead of rows" };
        var kernelOnly = new Option<bool>("--kernel-only", "-K") { Description = "kernel stacks only" };
        var userOnly = new Option<bool>("--user-only", "-U") { Description = "user stacks only" };
        foreach (var option in (Option[])[duration, frequency, pid, rows, maxStacks, folded, kernelOnly, userOnly])
        {
            command.Options.Add(option);
        }
        command.Validators.Add(r =>
        {
            if (r.GetValue(kernelOnly) && r.GetValue(userOnly))
            {
                r.AddError("--kernel-only and --user-only exclude each other.");
            }
        });
        command.SetAction(async (result, cancellationToken) =>
        {
            using var stopping = CliHost.Stopping(cancellationToken, result.GetValue(duration));
            await using var containers = selector.Host(result) ? null : new ContainerCollection(new ContainerCollectionOptions { Logger = CliLogger.Instance });
            var options = new GadgetOptions { Containers = containers, Selector = selector.Selector(result) };
            var profilerOptions = new CpuProfilerOptions
            {
                Frequency = result.GetValue(frequency),
                Pid = result.GetValue(pid) is > 0 and var p ? p : null,
                MaxStacks = result.GetValue(maxStacks),
                KernelStacks = !result.GetValue(userOnly),
                UserStacks = !result.GetValue(kernelOnly),
            };
            using var profiler = CpuProfiler.Start(options, profilerOptions);
            var scope = options.Selector is null ? "every process on the host" : "containers matching " + options.Selector;
            var length = result.GetValue(duration) is { } d ? $"for {d.TotalSeconds} s" : "until Ctrl-C";
            CliHost.Ready($"profile cpu sampling {scope} at {profilerOptions.Frequency} Hz {length}");
            var cpu = await profiler.CollectAfterAsync(Timeout.InfiniteTimeSpan, stopping.Token);
            if (cpu.KernelAddressesHidden)
            {
                Console.Error.WriteLine($"{CliHost.Tool}: /proc/kallsyms shows no addresses (kernel.kptr_restrict): kernel frames are [unknown]; grant CAP_SYSLOG (or run as root) with kptr_restrict 0 or 1.");
            }
            if (cpu.DroppedSamples > 0 || cpu.LostStacks > 0)
            {
                Console.Error.WriteLine($"{CliHost.Tool}: {cpu.DroppedSamples} sample(s) dropped (count map full), {cpu.LostStacks} stack(s) lost (stack map full or hash collision: raise --max-stacks).");
            }
            var limit = result.GetValue(rows) is > 0 and var n ? n
                : result.GetValue(folded) || output.Format(result) != OutputFormat.Columns ? int.MaxValue : 20;
            if (result.GetValue(folded))
            {
                var stdout = Console.Out;
                foreach (var line in cpu.FoldedLines().Take(limit))
                {
                    await stdout.WriteLineAsync(line);
                }
                await stdout.FlushAsync(CancellationToken.None);
                return CliHost.Success;
            }
            var writer = output.Writer(result, schema);
            var time = DateTimeOffset.UtcNow;
            var total = cpu.TotalSamples;
            foreach (var stack in cpu.Stacks.Take(limit))
            {
                writer.Write(new CpuProfileRow(stack, total, time));
            }
            writer.Flush();
            return CliHost.Success;
        });
        profile.Subcommands.Add(command);
        return profile;
    }
}
