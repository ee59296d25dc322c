using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Containers;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary>
/// The shell of every event command: the shared flags (selector, <c>-o</c>, <c>--fields</c>, <c>--filter</c>,
/// <c>--timeout</c>, <c>--ring-size</c>), the container collection (unless <c>--host</c>), the gadget started through
/// <see cref="IGadget{TEvent}"/>, the ready line, and the events written until stopped.
/// </summary>
internal static class EventCommand
{
    // Buffered output under load: a wake-up that comes soon after the last read waits this long before reading (see
    // GadgetOptions.BatchDelay), so that the records of that time gather in the ring without waking the tool.
    private static readonly TimeSpan BatchDelay = TimeSpan.FromMilliseconds(20);

    // Buffered output: what is held is written once this much is there.
    private const int BufferedFlushBytes = 8192;

    /// <summary>The flags every gadget command has (<c>--output-buffering</c>: the event commands).</summary>
    internal sealed record Shared(SelectorOptions Selector, OutputOptions Output, Option<TimeSpan?> Timeout, Option<int> RingSize)
    {
        /// <summary><c>--output-buffering</c>, on the commands that stream events.</summary>
        public Option<OutputBuffering>? Buffering { get; init; }
    }

    /// <summary>Adds the shared flags and the field list (in <c>--help</c>) to <paramref name="command"/>.</summary>
    public static Shared AddShared<T>(Command command, EventSchema<T> schema)
    {
        CliHost.AddHelpSection(command, schema.Describe);
        var selector = new SelectorOptions(command);
        var output = new OutputOptions(command, [.. schema.Fields.Select(f => f.Name)]);
        var timeout = ValueOptions.Timeout();
        var ring = ValueOptions.RingSize();
        command.Options.Add(timeout);
        command.Options.Add(ring);
        return new Shared(selector, output, timeout, ring);
    }

    /// <summary>A command running the gadget <paramref name="start"/> starts; <paramref name="configure"/> adds its own flags and returns its event filter.</summary>
    public static Command Create<T>(string name, string description, EventSchema<T> schema, Func<GadgetOptions, IGadget<T>> start, Func<Command, Func<ParseResult, Func<T, bool>>>? configure = null)
        where T : class
    {
        var command = new Command(name, description);
        var buffering = OutputBufferingOption.Create();
        var shared = AddShared(command, schema) with { Buffering = buffering };
        command.Options.Add(buffering);
        var predicate = configure?.Invoke(command);
        command.SetAction((result, cancellationToken) => RunAsync(result, name, schema, start, shared, predicate?.Invoke(result), cancellationToken));
        return command;
    }

    /// <summary>Runs the gadget <paramref name="start"/> starts and writes its events (those <paramref name="keep"/> keeps) until stopped.</summary>
    public static async Task<int> RunAsync<T>(ParseResult result, string name, EventSchema<T> schema, Func<GadgetOptions, IGadget<T>> start, Shared shared, Func<T, bool>? keep, CancellationToken cancellationToken)
        where T : class
    {
        using var stopping = CliHost.Stopping(cancellationToken, result.GetValue(shared.Timeout));
        var mode = shared.Buffering is { } buffering ? OutputBufferingOption.ForStandardOutput(result.GetValue(buffering)) : OutputBuffering.Line;
        var writer = shared.Output.Writer(result, schema, mode == OutputBuffering.Line ? null : BufferedFlushBytes);
        await using var containers = shared.Selector.Host(result) ? null : new ContainerCollection(new ContainerCollectionOptions { Logger = CliLogger.Instance });
        var options = Options(result, shared, containers);
        if (mode != OutputBuffering.Line)
        {
            options = options with { BatchDelay = BatchDelay };
        }
        await using var gadget = start(options);
        using var hold = new OutputHold(mode, writer.Flush);
        gadget.EventsLost += (_, e) =>
        {
            lock (hold.Gate)
            {
                writer.WriteLost(e.Count, e.Total); // after what is held: it flushes
            }
        };
        Ready(name, options);
        await PumpAsync(gadget.ReadAsync(stopping.Token), writer, keep, mode, hold, stopping.Token);
        return CliHost.Success;
    }

    /// <summary>The gadget's options from the shared flags.</summary>
    public static GadgetOptions Options(ParseResult result, Shared shared, ContainerCollection? containers) =>
        new() { Containers = containers, Selector = shared.Selector.Selector(result), RingBufferSize = result.GetValue(shared.RingSize) };

    /// <summary>The ready line.</summary>
    public static void Ready(string name, GadgetOptions options) =>
        CliHost.Ready($"{name} attached to {(options.Selector is null ? "every process on the host" : "containers matching " + options.Selector)}; Ctrl-C to stop");

    /// <summary>
    /// Writes <paramref name="events"/> until stopped. <see cref="OutputBuffering.Line"/>: a flush whenever the next event
    /// is not already there (one write per wake-up). Otherwise output is held: written when the writer's buffer is full,
    /// before a lost line, at the end, and (<see cref="OutputBuffering.Auto"/>) by <paramref name="hold"/>'s timer. The
    /// timer's write and the events' take turns under the hold's gate (uncontended but once per hold).
    /// </summary>
    public static async Task PumpAsync<T>(IAsyncEnumerable<T> events, EventWriter<T> writer, Func<T, bool>? keep, OutputBuffering mode, OutputHold hold, CancellationToken stopping)
    {
        var gate = hold.Gate;
        var enumerator = events.GetAsyncEnumerator(stopping);
        try
        {
            while (true)
            {
                var next = enumerator.MoveNextAsync();
                if (!next.IsCompleted)
                {
                    // Nothing more waiting: show what we have before blocking (line), or let the timer show it (auto).
                    lock (gate)
                    {
                        if (mode == OutputBuffering.Line)
                        {
                            writer.Flush();
                        }
                        else if (writer.BufferedBytes > 0)
                        {
                            hold.Held();
                        }
                    }
                }
                if (!await next.ConfigureAwait(false))
                {
                    break;
                }
                if (keep is null || keep(enumerator.Current))
                {
                    lock (gate)
                    {
                        writer.Write(enumerator.Current);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            lock (gate)
            {
                writer.Flush();
            }
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }
}
