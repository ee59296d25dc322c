using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets opensnoop</c>: every open, like ig's and BCC's opensnoop.</summary>
internal static class OpenSnoopCommand
{
    public static EventSchema<OpenEvent> Schema { get; } = new("opensnoop", e => EventTime.FromWall(e.Timestamp), e => e.Container,
    [
        new("pid", "PID", 7, "process id", e => e.Pid),
        new("tid", "TID", 7, "thread id", e => e.Tid) { Default = false },
        new("uid", "UID", 6, "user id", e => e.Uid) { Default = false },
        new("comm", "COMM", -16, "task name", e => e.Comm),
        new("fd", "FD", 4, "the descriptor returned, -1 on failure", e => e.FileDescriptor),
        new("err", "ERR", 3, "errno of a failed open, 0 on success", e => e.Error),
        new("flags", "FLAGS", -8, "open flags, octal", e => "0" + Convert.ToString(e.Flags, 8)),
        new("mode", "MODE", -6, "mode for a created file, octal", e => "0" + Convert.ToString(e.Mode, 8)) { Default = false },
        new("path", "PATH", 0, "the path as passed to open", e => e.Path),
    ]);

    public static Command Create() => EventCommand.Create("opensnoop", "Trace every open/openat/openat2 of the selected containers (or of the host).", Schema, OpenSnoop.Start, command =>
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
