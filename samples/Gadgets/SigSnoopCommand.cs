using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets sigsnoop</c>: every signal sent, like libbpf-tools' sigsnoop.</summary>
internal static class SigSnoopCommand
{
    public static EventSchema<SignalEvent> Schema { get; } = new("sigsnoop", e => EventTime.FromWall(e.Timestamp), e => e.Container,
    [
        new("pid", "PID", 7, "the sender's process id", e => e.SenderPid),
        new("tid", "TID", 7, "the sender's thread id", e => e.SenderTid) { Default = false },
        new("uid", "UID", 6, "the sender's user id", e => e.SenderUid) { Default = false },
        new("comm", "COMM", -16, "the sender's task name", e => e.SenderComm),
        new("sig", "SIG", -9, "the signal's name", e => e.SignalName),
        new("tpid", "TPID", 7, "the target's process id", e => e.TargetPid),
        new("tcomm", "TCOMM", -16, "the target's task name", e => e.TargetComm),
        new("result", "RESULT", 0, "what the kernel did with it", e => e.Result.ToString()),
    ]);

    public static Command Create() => EventCommand.Create("sigsnoop", "Trace every signal sent by or to the selected containers (or on the host).", Schema, SigSnoop.Start, command =>
    {
        var signal = ValueOptions.Integer("--signal", "only this signal number (0: every signal)", 0, 0, 64);
        var pid = ValueOptions.Integer("--pid", "only signals sent by or to this process id (0: every process)", 0, 0, int.MaxValue);
        command.Options.Add(signal);
        command.Options.Add(pid);
        return result =>
        {
            var only = result.GetValue(signal);
            var onlyPid = result.GetValue(pid);
            return e => (only == 0 || e.Signal == only) && (onlyPid == 0 || e.TargetPid == onlyPid || e.SenderPid == onlyPid);
        };
    });
}
