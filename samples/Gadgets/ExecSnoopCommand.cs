using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets execsnoop</c>: every exec, like ig's and BCC's execsnoop.</summary>
internal static class ExecSnoopCommand
{
    public static EventSchema<ExecEvent> Schema { get; } = new("execsnoop", e => EventTime.FromWall(e.Timestamp), e => e.Container,
    [
        new("pid", "PID", 7, "process id (thread group id) of the process that exec'd", e => e.Pid),
        new("tid", "TID", 7, "thread id that called exec", e => e.Tid) { Default = false },
        new("ppid", "PPID", 7, "the parent's process id", e => e.ParentPid),
        new("uid", "UID", 6, "user id", e => e.Uid) { Default = false },
        new("comm", "COMM", -16, "task name after the call: the new program's on success, the caller's on failure", e => e.Comm),
        new("ret", "RET", 4, "the syscall's result: 0, or -errno", e => e.ReturnValue),
        new("args", "ARGS", 0, "argv (in JSON: an array of strings)", e => e.Arguments),
        new("truncated", "TRUNCATED", 0, "whether argv had more arguments than reported, or one was cut", e => e.ArgumentsTruncated) { Default = false },
    ]);

    public static Command Create() => EventCommand.Create("execsnoop", "Trace every execve/execveat of the selected containers (or of the host).", Schema, ExecSnoop.Start, command =>
    {
        var fails = new Option<bool>("--fails", "-x") { Description = "only failed execs" };
        command.Options.Add(fails);
        return result => result.GetValue(fails) ? e => e.ReturnValue != 0 : _ => true;
    });
}
