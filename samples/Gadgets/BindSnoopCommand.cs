using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets bindsnoop</c>: every bind() with address, port, protocol and result, like libbpf-tools' bindsnoop and ig's trace bind.</summary>
internal static class BindSnoopCommand
{
    public static Command Create() => EventCommand.Create("bindsnoop", "Trace every bind() (address, port, protocol, result) of the selected containers (or of the host).", GadgetSchemas.BindSnoop, BindSnoop.Start, command =>
    {
        var fails = new Option<bool>("--fails", "-x") { Description = "only failed binds" };
        var pid = ValueOptions.Integer("--pid", "only this process id (0: every process)", 0, 0, int.MaxValue);
        var port = ValueOptions.Integer("--port", "only binds asking for or getting this port (0: every port)", 0, 0, 65535);
        command.Options.Add(fails);
        command.Options.Add(pid);
        command.Options.Add(port);
        return result =>
        {
            var failedOnly = result.GetValue(fails);
            var onlyPid = result.GetValue(pid);
            var onlyPort = result.GetValue(port);
            return e => (!failedOnly || e.Error != 0) && (onlyPid == 0 || e.Pid == onlyPid) && (onlyPort == 0 || e.Port == onlyPort || e.BoundPort == onlyPort);
        };
    });
}
