using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets mountsnoop</c>: every mount, umount2 and move_mount, like libbpf-tools' mountsnoop and ig's trace mount.</summary>
internal static class MountSnoopCommand
{
    public static Command Create() => ViewEventCommand.Create("mountsnoop", "Trace every mount, umount2 and move_mount (source, target, type, flags, result) of the selected containers (or of the host).", ViewSchemas.MountSnoop, MountSnoop.Start, command =>
    {
        var fails = new Option<bool>("--fails", "-x") { Description = "only failed calls" };
        var pid = ValueOptions.Integer("--pid", "only this process id (0: every process)", 0, 0, int.MaxValue);
        command.Options.Add(fails);
        command.Options.Add(pid);
        return result =>
        {
            var failedOnly = result.GetValue(fails);
            var onlyPid = result.GetValue(pid);
            return e => (!failedOnly || e.Error != 0) && (onlyPid == 0 || e.Process.Pid == onlyPid);
        };
    });
}
