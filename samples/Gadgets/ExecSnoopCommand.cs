using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Containers;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary>
/// <c>gadgets execsnoop</c>: every exec, like ig's and BCC's execsnoop. Columns and JSON lines without <c>--filter</c>
/// are written straight from the ring buffer's records (<see cref="ExecEventWriter"/>: nothing allocated per event),
/// held in the writer's buffer as <c>--output-buffering</c> says; YAML, indented JSON and <c>--filter</c> go through
/// <see cref="ExecEvent"/>s and the shared <see cref="EventWriter{T}"/> (written at each wake-up).
/// </summary>
internal static class ExecSnoopCommand
{
    private const string Name = "execsnoop";

    // Buffered output: what is held is written once this much is there (a few pages: one write per ~60 columns rows).
    private const int BufferedFlushBytes = 8192;

    // Buffered output under load: a wake-up that comes this soon after the last read waits BatchDelay before reading, so
    // that the records of that time gather in the ring without waking the tool (the kernel notifies only when the reader
    // has caught up). Output is held anyway; a ring overflows only above ring size / BatchDelay (4 MiB: 200 MB/s).
    private const long BusyMilliseconds = 100;
    private const int BatchDelayMilliseconds = 20;

    public static Command Create()
    {
        var command = new Command(Name, "Trace every execve/execveat of the selected containers (or of the host).");
        var shared = EventCommand.AddShared(command, GadgetSchemas.ExecSnoop);
        var fails = new Option<bool>("--fails", "-x") { Description = "only failed execs" };
        var buffering = OutputBufferingOption.Create();
        command.Options.Add(fails);
        command.Options.Add(buffering);
        command.SetAction((result, cancellationToken) =>
        {
            var failsOnly = result.GetValue(fails);
            var format = shared.Output.Format(result);
            var fields = shared.Output.Fields(result);
            if (!ExecEventWriter.Supports(format, fields, shared.Output.Filter(result)))
            {
                return EventCommand.RunAsync(result, Name, GadgetSchemas.ExecSnoop, ExecSnoop.Start, shared, failsOnly ? e => e.ReturnValue != 0 : null, cancellationToken);
            }
            var mode = OutputBufferingOption.ForStandardOutput(result.GetValue(buffering));
            var writer = new ExecEventWriter(format, fields, failsOnly ? r => r != 0 : null) { FlushThreshold = mode == OutputBuffering.Line ? 1 << 15 : BufferedFlushBytes };
            return RunInPlaceAsync(result, shared, mode, writer, cancellationToken);
        });
        return command;
    }

    // One wake-up: every record waiting is formatted in place; Consume raises EventsLost after its batch. Line: one write
    // per wake-up. Buffered: a write when the buffer is full, before a lost line, at the end, and (auto) by a timer armed
    // only while output is held (MaxHold after it was first held), so that an idle tool has no timer at all. The timer's
    // write and the reading thread's batches take turns under one lock (uncontended but once per MaxHold).
    private static async Task<int> RunInPlaceAsync(ParseResult result, EventCommand.Shared shared, OutputBuffering mode, ExecEventWriter writer, CancellationToken cancellationToken)
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
        var buffered = mode != OutputBuffering.Line;
        using var hold = new OutputHold(mode, writer.Flush);
        var gate = hold.Gate;
        var lastRead = long.MinValue / 2;
        try
        {
            while (await snoop.WaitAsync(stopping.Token).ConfigureAwait(false))
            {
                if (buffered && Environment.TickCount64 - lastRead < BusyMilliseconds)
                {
                    Thread.Sleep(BatchDelayMilliseconds); // the reader's own thread (or the first wait's): nothing else runs here
                }
                lock (gate)
                {
                    snoop.Consume(ref writer);
                    if (!buffered)
                    {
                        writer.Flush();
                    }
                    else if (writer.BufferedBytes > 0)
                    {
                        hold.Held();
                    }
                }
                lastRead = Environment.TickCount64;
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            lock (gate)
            {
                // What the kernel recorded before the stop (an exec that returned before Ctrl-C) is printed too.
                snoop.Consume(ref writer);
                writer.Flush();
            }
        }
        return CliHost.Success;
    }
}
