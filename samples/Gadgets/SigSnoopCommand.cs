using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets sigsnoop</c>: every signal sent, like libbpf-tools' sigsnoop.</summary>
internal static class SigSnoopCommand
{
    public static Command Create() => ViewEventCommand.Create("sigsnoop", "Trace every signal sent by or to the selected containers (or on the host).", ViewSchemas.SigSnoop, SigSnoop.Start, command =>
    {
        var signal = ValueOptions.Integer("--signal", "only this signal number (0: every signal)", 0, 0, 64);
        var pid = ValueOptions.Integer("--pid", "only signals sent by or to this process id (0: every process)", 0, 0, int.MaxValue);
        command.Options.Add(signal);
        command.Options.Add(pid);
        return result =>
        {
            var only = result.GetValue(signal);
            var onlyPid = result.GetValue(pid);
            return e => (only == 0 || e.Signal == only) && (onlyPid == 0 || e.TargetPid == onlyPid || e.Sender.Pid == onlyPid);
        };
    });
}
