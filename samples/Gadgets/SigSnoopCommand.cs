using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets sigsnoop</c>: PID COMM SIG TPID TCOMM RESULT (+ CONTAINER), like libbpf-tools' sigsnoop.</summary>
internal static class SigSnoopCommand
{
    public static async Task<int> RunAsync(CommandLine line, GadgetContext context)
    {
        var signal = line.IntOption("--signal", 0);
        var pid = line.IntOption("--pid", 0);
        line.ThrowOnUnknown();
        Column<SignalEvent>[] columns =
        [
            GadgetContext.ContainerColumn<SignalEvent>(e => e.Container),
            new("PID", 7, e => e.SenderPid),
            new("COMM", -16, e => e.SenderComm),
            new("SIG", -9, e => e.SignalName),
            new("TPID", 7, e => e.TargetPid),
            new("TCOMM", -16, e => e.TargetComm),
            new("RESULT", 0, e => e.Result.ToString()),
        ];
        await using var snoop = SigSnoop.Start(context.Options);
        var events = snoop.ReadAsync(context.Stopping)
            .Where(e => (signal == 0 || e.Signal == signal) && (pid == 0 || e.TargetPid == pid || e.SenderPid == pid));
        var result = await context.PrintAsync(events, columns, lost => snoop.EventsLost += lost);
        ExecSnoopCommand.ReportLost(snoop.LostEvents);
        return result;
    }
}
