using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets oomkill</c>: every OOM kill, like ig's and BCC's oomkill.</summary>
internal static class OomKillCommand
{
    public static EventSchema<OomKillEvent> Schema { get; } = new("oomkill", e => EventTime.FromWall(e.Timestamp), e => e.Container,
    [
        new("kpid", "KPID", 7, "the killed process's id", e => e.VictimPid),
        new("kcomm", "KCOMM", -16, "the killed process's task name", e => e.VictimComm),
        new("pages", "PAGES", 8, "its total virtual memory, in pages", e => e.TotalVmPages),
        new("anonRss", "ANON_RSS", 8, "its anonymous resident pages", e => e.AnonRssPages),
        new("tpid", "TPID", 7, "the process whose allocation triggered the kill", e => e.TriggerPid),
        new("tcomm", "TCOMM", -16, "its task name", e => e.TriggerComm),
        new("memcg", "MEMCG", 0, "the memory cgroup that ran out", e => e.MemoryCgroup),
    ]);

    public static Command Create() => EventCommand.Create("oomkill", "Trace the OOM killer's kills in the selected containers (or on the host).", Schema, OomKill.Start);
}
