using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets oomkill</c>: KPID KCOMM PAGES MEMCG TPID TCOMM (+ CONTAINER), like BCC's and Inspektor Gadget's oomkill.</summary>
internal static class OomKillCommand
{
    public static async Task<int> RunAsync(CommandLine line, GadgetContext context)
    {
        line.ThrowOnUnknown();
        Column<OomKillEvent>[] columns =
        [
            GadgetContext.ContainerColumn<OomKillEvent>(e => e.Container),
            new("KPID", 7, e => e.VictimPid),
            new("KCOMM", -16, e => e.VictimComm),
            new("PAGES", 8, e => e.TotalVmPages),
            new("ANON_RSS", 8, e => e.AnonRssPages),
            new("TPID", 7, e => e.TriggerPid),
            new("TCOMM", -16, e => e.TriggerComm),
            new("MEMCG", 0, e => e.MemoryCgroup),
        ];
        await using var oom = OomKill.Start(context.Options);
        return await context.PrintAsync(oom.ReadAsync(context.Stopping), columns, lost => oom.EventsLost += lost);
    }
}
