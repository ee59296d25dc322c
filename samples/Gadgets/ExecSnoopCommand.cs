using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets execsnoop</c>: PCOMM PID PPID RET ARGS (+ CONTAINER), like BCC's and Inspektor Gadget's execsnoop.</summary>
internal static class ExecSnoopCommand
{
    public static async Task<int> RunAsync(CommandLine line, GadgetContext context)
    {
        var failedOnly = line.Flag("-x") | line.Flag("--fails");
        line.ThrowOnUnknown();
        Column<ExecEvent>[] columns =
        [
            GadgetContext.ContainerColumn<ExecEvent>(e => e.Container),
            new("PCOMM", -16, e => e.Comm),
            new("PID", 7, e => e.Pid),
            new("PPID", 7, e => e.ParentPid),
            new("RET", 4, e => e.ReturnValue),
            new("ARGS", 0, e => line.Output == OutputFormat.Json ? e.Arguments : e.CommandLine),
            new("TRUNCATED", 0, e => e.ArgumentsTruncated),
        ];
        await using var snoop = ExecSnoop.Start(context.Options);
        var events = snoop.ReadAsync(context.Stopping);
        var result = await context.PrintAsync(failedOnly ? events.Where(e => e.ReturnValue != 0) : events, line.Output == OutputFormat.Json ? columns : columns[..^1], lost => snoop.EventsLost += lost);
        ReportLost(snoop.LostEvents);
        return result;
    }

    internal static void ReportLost(ulong lost)
    {
        if (lost > 0)
        {
            Console.Error.WriteLine($"{lost} events lost (ring buffer full)");
        }
    }
}
