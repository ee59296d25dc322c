using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Containers;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets snapshot process</c>: the processes running now (a BPF task iterator), like ig's snapshot process.</summary>
internal static class SnapshotProcessCommand
{
    public static Command Create()
    {
        var snapshot = new Command("snapshot", "What is there right now, read by BPF iterators.");
        var command = new Command("process", "List the processes of the selected containers (or of the host) running now, from the kernel's task list (BPF iter/task, Linux 5.8).");
        var schema = GadgetSchemas.SnapshotProcess;
        CliHost.AddHelpSection(command, schema.Describe);
        var selector = new SelectorOptions(command);
        var output = new OutputOptions(command, [.. schema.Fields.Select(f => f.Name)]);
        var threads = new Option<bool>("--threads", "-T") { Description = "list every thread, not only each process" };
        command.Options.Add(threads);
        command.SetAction(async (result, cancellationToken) =>
        {
            var writer = output.Writer(result, schema);
            await using var containers = selector.Host(result) ? null : new ContainerCollection(new ContainerCollectionOptions { Logger = CliLogger.Instance });
            var options = new GadgetOptions { Containers = containers, Selector = selector.Selector(result) };
            using var processes = ProcessSnapshot.Start(options, new ProcessSnapshotOptions { Threads = result.GetValue(threads) });
            CliHost.Ready($"snapshot of {(options.Selector is null ? "every process on the host" : "containers matching " + options.Selector)}");
            var time = EventTime.Now();
            foreach (var entry in processes.Take())
            {
                writer.Write(new ProcessRow(entry, time));
            }
            writer.Flush();
            return CliHost.Success;
        });
        snapshot.Subcommands.Add(command);
        snapshot.Subcommands.Add(SnapshotSocketCommand.Create());
        return snapshot;
    }
}
