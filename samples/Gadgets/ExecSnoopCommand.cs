using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets execsnoop</c>: every exec, like ig's and BCC's execsnoop.</summary>
internal static class ExecSnoopCommand
{
    public static Command Create() => EventCommand.Create("execsnoop", "Trace every execve/execveat of the selected containers (or of the host).", GadgetSchemas.ExecSnoop, ExecSnoop.Start, command =>
    {
        var fails = new Option<bool>("--fails", "-x") { Description = "only failed execs" };
        command.Options.Add(fails);
        return result => result.GetValue(fails) ? e => e.ReturnValue != 0 : _ => true;
    });
}
