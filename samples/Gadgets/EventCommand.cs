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
    /// <summary>The flags every gadget command has.</summary>
    internal sealed record Shared(SelectorOptions Selector, OutputOptions Output, Option<TimeSpan?> Timeout, Option<int> RingSize);

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
        var shared = AddShared(command, schema);
        var predicate = configure?.Invoke(command);
        command.SetAction((result, cancellationToken) => RunAsync(result, name, schema, start, shared, predicate?.Invoke(result), cancellationToken));
        return command;
    }

    /// <summary>Runs the gadget <paramref name="start"/> starts and writes its events (those <paramref name="keep"/> keeps) until stopped.</summary>
    public static async Task<int> RunAsync<T>(ParseResult result, string name, EventSchema<T> schema, Func<GadgetOptions, IGadget<T>> start, Shared shared, Func<T, bool>? keep, CancellationToken cancellationToken)
        where T : class
    {
        using var stopping = CliHost.Stopping(cancellationToken, result.GetValue(shared.Timeout));
        var writer = shared.Output.Writer(result, schema);
        await using var containers = shared.Selector.Host(result) ? null : new ContainerCollection();
        var options = Options(result, shared, containers);
        await using var gadget = start(options);
        gadget.EventsLost += (_, e) => writer.WriteLost(e.Count, e.Total);
        Ready(name, options);
        await PumpAsync(gadget.ReadAsync(stopping.Token), writer, keep, stopping.Token);
        return CliHost.Success;
    }

    /// <summary>The gadget's options from the shared flags.</summary>
    public static GadgetOptions Options(ParseResult result, Shared shared, ContainerCollection? containers) =>
        new() { Containers = containers, Selector = shared.Selector.Selector(result), RingBufferSize = result.GetValue(shared.RingSize) };

    /// <summary>The ready line.</summary>
    public static void Ready(string name, GadgetOptions options) =>
        CliHost.Ready($"{name} attached to {(options.Selector is null ? "every process on the host" : "containers matching " + options.Selector)}; Ctrl-C to stop");

    /// <summary>Writes <paramref name="events"/> until stopped, flushing whenever the next event is not already there.</summary>
    public static async Task PumpAsync<T>(IAsyncEnumerable<T> events, EventWriter<T> writer, Func<T, bool>? keep, CancellationToken stopping)
    {
        var enumerator = events.GetAsyncEnumerator(stopping);
        try
        {
            while (true)
            {
                var next = enumerator.MoveNextAsync();
                if (!next.IsCompleted)
                {
                    writer.Flush(); // nothing more waiting: show what we have before blocking
                }
                if (!await next.ConfigureAwait(false))
                {
                    break;
                }
                if (keep is null || keep(enumerator.Current))
                {
                    writer.Write(enumerator.Current);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            writer.Flush();
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }
}
