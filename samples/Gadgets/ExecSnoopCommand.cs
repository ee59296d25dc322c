using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Containers;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary>
/// <c>gadgets execsnoop</c>: every exec, like ig's and BCC's execsnoop. Columns and JSON lines without <c>--filter</c>
/// are written straight from the ring buffer's records (<see cref="ExecEventWriter"/>: nothing allocated per event);
/// YAML, indented JSON and <c>--filter</c> go through <see cref="ExecEvent"/>s and the shared <see cref="EventWriter{T}"/>.
/// </summary>
internal static class ExecSnoopCommand
{
    private const string Name = "execsnoop";

    public static Command Create()
    {
        var command = new Command(Name, "Trace every execve/execveat of the selected containers (or of the host).");
        var shared = EventCommand.AddShared(command, GadgetSchemas.ExecSnoop);
        var fails = new Option<bool>("--fails", "-x") { Description = "only failed execs" };
        command.Options.Add(fails);
        command.SetAction((result, cancellationToken) =>
        {
            var failsOnly = result.GetValue(fails);
            var format = shared.Output.Format(result);
            var fields = shared.Output.Fields(result);
            return ExecEventWriter.Supports(format, fields, shared.Output.Filter(result))
                ? RunInPlaceAsync(result, shared, new ExecEventWriter(format, fields, failsOnly ? r => r != 0 : null), cancellationToken)
                : EventCommand.RunAsync(result, Name, GadgetSchemas.ExecSnoop, ExecSnoop.Start, shared, failsOnly ? e => e.ReturnValue != 0 : null, cancellationToken);
        });
        return command;
    }

    // One wake-up: every record waiting is formatted in place, then one write; Consume raises EventsLost after its batch.
    private static async Task<int> RunInPlaceAsync(ParseResult result, EventCommand.Shared shared, ExecEventWriter writer, CancellationToken cancellationToken)
    {
        using var stopping = CliHost.Stopping(cancellationToken, result.GetValue(shared.Timeout));
        var lostWriter = shared.Output.Writer(result, GadgetSchemas.ExecSnoop);
        await using var containers = shared.Selector.Host(result) ? null : new ContainerCollection();
        var options = EventCommand.Options(result, shared, containers);
        await using var snoop = ExecSnoop.Start(options);
        snoop.EventsLost += (_, e) =>
        {
            writer.Flush();
            lostWriter.WriteLost(e.Count, e.Total);
        };
        EventCommand.Ready(Name, options);
        try
        {
            while (await snoop.WaitAsync(stopping.Token).ConfigureAwait(false))
            {
                snoop.Consume(ref writer);
                writer.Flush();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            writer.Flush();
        }
        return CliHost.Success;
    }
}
