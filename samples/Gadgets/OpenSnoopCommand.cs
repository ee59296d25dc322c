using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets opensnoop</c>: every open, like ig's and BCC's opensnoop.</summary>
internal static class OpenSnoopCommand
{
    public static Command Create() => EventCommand.Create("opensnoop", "Trace every open/openat/openat2 of the selected containers (or of the host).", GadgetSchemas.OpenSnoop, OpenSnoop.Start, command =>
    {
        var fails = new Option<bool>("--fails", "-x") { Description = "only failed opens" };
        var pid = ValueOptions.Integer("--pid", "only this process id (0: every process)", 0, 0, int.MaxValue);
        command.Options.Add(fails);
        command.Options.Add(pid);
        return result =>
        {
            var failedOnly = result.GetValue(fails);
            var onlyPid = result.GetValue(pid);
            return e => (!failedOnly || e.Error != 0) && (onlyPid == 0 || e.Pid == onlyPid);
        };
    });
}
