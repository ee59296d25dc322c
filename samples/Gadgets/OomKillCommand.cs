using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets oomkill</c>: every OOM kill, like ig's and BCC's oomkill.</summary>
internal static class OomKillCommand
{
    public static Command Create() => EventCommand.Create("oomkill", "Trace the OOM killer's kills in the selected containers (or on the host).", GadgetSchemas.OomKill, OomKill.Start);
}
