using Gadget.CommandLine;

namespace Gadget.Client;

/// <summary>
/// The fields of the gadgets the agent streams, as the client reads them back from its JSON: the same names, columns
/// and help lines as the gadgets CLI (<see cref="GadgetSchemas"/>), so <c>-o</c>, <c>--fields</c> and <c>--filter</c>
/// behave the same on both.
/// </summary>
internal static class AgentEventSchemas
{
    /// <summary>The gadgets the agent streams.</summary>
    public static readonly string[] Gadgets = ["execsnoop", "opensnoop", "tcpconnect", "tcpaccept", "sigsnoop", "oomkill", "exitsnoop", "bindsnoop", "mountsnoop"];

    /// <summary>The schema of <paramref name="gadget"/>'s events as read from the agent's JSON.</summary>
    public static EventSchema<AgentEvent> For(string gadget) => gadget switch
    {
        "execsnoop" => From(GadgetSchemas.ExecSnoop),
        "opensnoop" => From(GadgetSchemas.OpenSnoop),
        "tcpconnect" => From(GadgetSchemas.TcpConnect),
        "tcpaccept" => From(GadgetSchemas.TcpAccept),
        "sigsnoop" => From(GadgetSchemas.SigSnoop),
        "oomkill" => From(GadgetSchemas.OomKill),
        "exitsnoop" => From(GadgetSchemas.ExitSnoop),
        "bindsnoop" => From(GadgetSchemas.BindSnoop),
        "mountsnoop" => From(GadgetSchemas.MountSnoop),
        _ => throw new ArgumentOutOfRangeException(nameof(gadget), gadget, "not a gadget the agent streams"),
    };

    private static EventSchema<AgentEvent> From<T>(EventSchema<T> schema) =>
        new(schema.Gadget, e => e.Time, e => e.Origin,
            [.. schema.Fields.Where(f => f.InJson).Select(f => new Field<AgentEvent>(f.Name, f.Header, f.Width, f.Description, e => e.Value(f.Name)) { Default = f.Default })]);
}
