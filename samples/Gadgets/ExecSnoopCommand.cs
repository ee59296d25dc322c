using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary>
/// <c>gadgets execsnoop</c>: every exec, like ig's and BCC's execsnoop. Its records are handed in place to a
/// <see cref="ViewEventWriter{TEvent, TView}"/> (<see cref="ViewEventCommand"/>): columns and JSON lines without
/// <c>--filter</c> are written straight from the ring buffer's records (nothing allocated per event), YAML, indented JSON
/// and <c>--filter</c> through <see cref="ExecEvent"/>s and the shared <see cref="EventWriter{T}"/>.
/// </summary>
internal static class ExecSnoopCommand
{
    private const string Name = "execsnoop";

    public static Command Create()
    {
        var command = new Command(Name, "Trace every execve/execveat of the selected containers (or of the host).");
        var shared = EventCommand.AddShared(command, GadgetSchemas.ExecSnoop);
        var fails = new Option<bool>("--fails", "-x") { Description = "only failed execs" };
        var buffering = OutputBufferingOption.Create();
        command.Options.Add(fails);
        command.Options.Add(buffering);
        shared = shared with { Buffering = buffering };
        command.SetAction((result, cancellationToken) =>
            ViewEventCommand.RunAsync(result, Name, ViewSchemas.ExecSnoop, ExecSnoop.Start, shared, result.GetValue(fails) ? e => e.ReturnValue != 0 : null, cancellationToken));
        return command;
    }
}
