using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Containers;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets top file</c>: reads and writes per process and file, one table per interval (ig's top file, BCC's filetop).</summary>
internal static class FileTopCommand
{
    public static Command Create()
    {
        var top = new Command("top", "The busiest, per interval.");
        var command = new Command("file", "Reads and writes (calls and bytes) per process and file of the selected containers (or of the host), every interval; regular files only unless --all-files.");
        var shared = EventCommand.AddShared(command, GadgetSchemas.TopFile);
        var interval = ValueOptions.Seconds("--interval", "seconds between tables (> 0, at most 86400; default 1)", null);
        var count = ValueOptions.Integer("--count", "stop after this many tables (default: until stopped)", 0, 1, int.MaxValue);
        var rows = ValueOptions.Integer("--max-rows", "files per table, the first in --sort order", 20, 1, 10_000);
        var sort = ValueOptions.Choice("--sort", "-s", "the order of the rows (all: bytes read + written)", "all", "all", "reads", "writes", "rbytes", "wbytes");
        // --all selects every container already: every file type is --all-files (ig's name).
        var allFiles = new Option<bool>("--all-files", "-a") { Description = "count every kind of file (sockets, pipes, devices), not only regular files" };
        command.Options.Add(interval);
        command.Options.Add(count);
        command.Options.Add(rows);
        command.Options.Add(sort);
        command.Options.Add(allFiles);
        command.SetAction(async (result, cancellationToken) =>
        {
            using var stopping = CliHost.Stopping(cancellationToken, result.GetValue(shared.Timeout));
            var writer = shared.Output.Writer(result, GadgetSchemas.TopFile);
            var columns = shared.Output.Format(result) == OutputFormat.Columns;
            await using var containers = shared.Selector.Host(result) ? null : new ContainerCollection(new ContainerCollectionOptions { Logger = CliLogger.Instance });
            var options = new GadgetOptions { Containers = containers, Selector = shared.Selector.Selector(result) };
            var every = result.GetValue(interval) ?? TimeSpan.FromSeconds(1);
            await using var gadget = FileTop.Start(options, new FileTopOptions
            {
                Interval = every,
                MaxRows = result.GetValue(rows),
                Sort = SortOrder(result.GetValue(sort)),
                AllFiles = result.GetValue(allFiles),
            });
            CliHost.Ready($"top file attached to {(options.Selector is null ? "every process on the host" : "containers matching " + options.Selector)}; a table every {every.TotalSeconds} s; Ctrl-C to stop");
            var left = result.GetValue(count) is > 0 and var n ? n : int.MaxValue;
            try
            {
                await foreach (var snapshot in gadget.ReadAsync(stopping.Token))
                {
                    if (columns)
                    {
                        Console.Error.WriteLine($"{snapshot.Time.ToLocalTime():HH:mm:ss} {snapshot.Files.Count} file(s)");
                    }
                    foreach (var file in snapshot.Files)
                    {
                        writer.Write(new FileTopRow(file, snapshot.Time));
                    }
                    writer.Flush(); // a table is shown when it is complete
                    if (--left <= 0)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
            }
            writer.Flush();
            return CliHost.Success;
        });
        top.Subcommands.Add(command);
        return top;
    }

    private static FileTopSort SortOrder(string? name) => name switch
    {
        "reads" => FileTopSort.Reads,
        "writes" => FileTopSort.Writes,
        "rbytes" => FileTopSort.ReadBytes,
        "wbytes" => FileTopSort.WriteBytes,
        _ => FileTopSort.AllBytes,
    };
}
