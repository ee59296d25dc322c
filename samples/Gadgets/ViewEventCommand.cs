using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Containers;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary>
/// The event commands of the gadgets whose records can be read in place (execsnoop, exitsnoop, sigsnoop, mountsnoop):
/// the shared flags of <see cref="EventCommand"/>, and the records handed by
/// <see cref="RingBufferViewGadget{TEvent, TView}.Consume{THandler}(ref THandler)"/> to a
/// <see cref="ViewEventWriter{TEvent, TView}"/>: columns and JSON lines without <c>--filter</c> written straight from the
/// ring buffer's bytes (nothing allocated per event), the rest through event objects. Output is held as
/// <c>--output-buffering</c> says.
/// </summary>
internal static class ViewEventCommand
{
    // Buffered output: what is held is written once this much is there (a few pages: one write per ~60 columns rows).
    private const int BufferedFlushBytes = 8192;

    // Buffered output under load: a wake-up that comes this soon after the last read waits BatchDelay before reading, so
    // that the records of that time gather in the ring without waking the tool (the kernel notifies only when the reader
    // has caught up). Output is held anyway; a ring overflows only above ring size / BatchDelay (4 MiB: 200 MB/s).
    private const long BusyMilliseconds = 100;
    private const int BatchDelayMilliseconds = 20;

    /// <summary>A command running the gadget <paramref name="start"/> starts; <paramref name="configure"/> adds its own flags and returns which records to keep.</summary>
    public static Command Create<TEvent, TView>(string name, string description, ViewSchema<TEvent, TView> schema, Func<GadgetOptions, RingBufferViewGadget<TEvent, TView>> start,
        Func<Command, Func<ParseResult, Func<TView, bool>?>> configure)
        where TEvent : class
        where TView : allows ref struct
    {
        var command = new Command(name, description);
        var buffering = OutputBufferingOption.Create();
        var shared = EventCommand.AddShared(command, schema.Events) with { Buffering = buffering };
        command.Options.Add(buffering);
        var keep = configure(command);
        command.SetAction((result, cancellationToken) => RunAsync(result, name, schema, start, shared, keep(result), cancellationToken));
        return command;
    }

    /// <summary>
    /// Runs the gadget <paramref name="start"/> starts and writes its records (those <paramref name="keep"/> keeps) until
    /// stopped. One wake-up: every record waiting is handed to the writer in place; Consume raises EventsLost after its
    /// batch. Line: one write per wake-up. Buffered: a write when the buffer is full, before a lost line, at the end, and
    /// (auto) by a timer armed only while output is held, so that an idle tool has no timer at all. The timer's write and
    /// the reading thread's batches take turns under one lock (uncontended but once per hold).
    /// </summary>
    public static async Task<int> RunAsync<TEvent, TView>(ParseResult result, string name, ViewSchema<TEvent, TView> schema, Func<GadgetOptions, RingBufferViewGadget<TEvent, TView>> start,
        EventCommand.Shared shared, Func<TView, bool>? keep, CancellationToken cancellationToken)
        where TEvent : class
        where TView : allows ref struct
    {
        using var stopping = CliHost.Stopping(cancellationToken, result.GetValue(shared.Timeout));
        var mode = shared.Buffering is { } option ? OutputBufferingOption.ForStandardOutput(result.GetValue(option)) : OutputBuffering.Line;
        var writer = new ViewEventWriter<TEvent, TView>(schema, shared.Output.Format(result), shared.Output.Fields(result), shared.Output.Filter(result), keep,
            mode == OutputBuffering.Line ? EventWriter<TEvent>.DefaultFlushThreshold : BufferedFlushBytes);
        await using var containers = shared.Selector.Host(result) ? null : new ContainerCollection(new ContainerCollectionOptions { Logger = CliLogger.Instance });
        var options = EventCommand.Options(result, shared, containers);
        await using var gadget = start(options);
        var buffered = mode != OutputBuffering.Line;
        using var hold = new OutputHold(mode, writer.Flush);
        var gate = hold.Gate;
        gadget.EventsLost += (_, e) =>
        {
            lock (gate)
            {
                writer.WriteLost(e.Count, e.Total); // after what is held: it flushes
            }
        };
        EventCommand.Ready(name, options);
        var lastRead = long.MinValue / 2;
        try
        {
            while (await gadget.WaitAsync(stopping.Token).ConfigureAwait(false))
            {
                if (buffered && Environment.TickCount64 - lastRead < BusyMilliseconds)
                {
                    Thread.Sleep(BatchDelayMilliseconds); // the reader's own thread (or the first wait's): nothing else runs here
                }
                lock (gate)
                {
                    gadget.Consume(ref writer);
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
                // What the kernel recorded before the stop (an event just before Ctrl-C) is printed too.
                gadget.Consume(ref writer);
                writer.Flush();
            }
        }
        return CliHost.Success;
    }
}
