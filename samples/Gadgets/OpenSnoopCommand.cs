using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets opensnoop</c>: PID COMM FD ERR PATH (+ CONTAINER, FLAGS), like BCC's opensnoop.</summary>
internal static class OpenSnoopCommand
{
    public static async Task<int> RunAsync(CommandLine line, GadgetContext context)
    {
        var failedOnly = line.Flag("-x") | line.Flag("--fails");
        var pid = line.IntOption("--pid", 0);
        line.ThrowOnUnknown();
        Column<OpenEvent>[] columns =
        [
            GadgetContext.ContainerColumn<OpenEvent>(e => e.Container),
            new("PID", 7, e => e.Pid),
            new("COMM", -16, e => e.Comm),
            new("FD", 4, e => e.FileDescriptor),
            new("ERR", 3, e => e.Error),
            new("FLAGS", -8, e => "0" + Convert.ToString(e.Flags, 8)),
            new("PATH", 0, e => e.Path),
        ];
        await using var snoop = OpenSnoop.Start(context.Options);
        var events = snoop.ReadAsync(context.Stopping).Where(e => (!failedOnly || e.Error != 0) && (pid == 0 || e.Pid == pid));
        var result = await context.PrintAsync(events, columns, lost => snoop.EventsLost += lost);
        ExecSnoopCommand.ReportLost(snoop.LostEvents);
        return result;
    }
}
