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
    public static readonly string[] Gadgets = ["execsnoop", "opensnoop", "tcpconnect", "tcpaccept", "sigsnoop", "oomkill", "exitsnoop", "bindsnoop", "mountsnoop", "tcpretrans", "tcpdrop", "capable", "tcptop", "dns"];


    /// <summary>The schema of <paramref name="gadget"/>'s events (a stream above, or top-file, snapshot-process, snapshot-socket) as read from the agent's JSON; with <paramref name="cluster"/>, a NODE column first.</summary>
    public static EventSchema<AgentEvent> For(string gadget, bool cluster = false) => gadget switch
    {
        "execsnoop" => From(GadgetSchemas.ExecSnoop, cluster),
        "opensnoop" => From(GadgetSchemas.OpenSnoop, cluster),
        "tcpconnect" => From(GadgetSchemas.TcpConnect, cluster),
        "tcpaccept" => From(GadgetSchemas.TcpAccept, cluster),
        "sigsnoop" => From(GadgetSchemas.SigSnoop, cluster),
        "oomkill" => From(GadgetSchemas.OomKill, cluster),
        "exitsnoop" => From(GadgetSchemas.ExitSnoop, cluster),
        "bindsnoop" => From(GadgetSchemas.BindSnoop, cluster),
        "mountsnoop" => From(GadgetSchemas.MountSnoop, cluster),
        "tcpretrans" => From(GadgetSchemas.TcpRetrans, cluster),
        "tcpdrop" => From(GadgetSchemas.TcpDrop, cluster),
        "capable" => From(GadgetSchemas.Capable, cluster),
        "tcptop" => From(GadgetSchemas.TcpTop, cluster),
        "top-file" => From(GadgetSchemas.TopFile, cluster),
        "snapshot-process" => From(GadgetSchemas.SnapshotProcess, cluster),
        "snapshot-socket" => From(GadgetSchemas.SnapshotSocket, cluster),
        "dns" => From(GadgetSchemas.Dns, cluster),
        "profile-cpu" => From(GadgetSchemas.ProfileCpu, cluster),
        _ => throw new ArgumentOutOfRangeException(nameof(gadget), gadget, "not a gadget the agent streams"),
    };

    /// <summary>The NODE column: the node whose agent reported the event (its <c>k8s.node</c>, in JSON already).</summary>
    public static readonly Field<AgentEvent> Node = new("node", "NODE", -16, "the node whose agent reported the event (--kubeconfig, --cluster; in JSON: k8s.node)", e => e.Origin.Node) { InJson = false };

    private static EventSchema<AgentEvent> From<T>(EventSchema<T> schema, bool cluster) =>
        new(schema.Gadget, e => e.Time, e => e.Origin,
            [.. schema.Fields.Where(f => f.InJson).Select(f => new Field<AgentEvent>(f.Name, f.Header, f.Width, f.Description, e => e.Value(f.Name)) { Default = f.Default }), .. cluster ? [Node] : Array.Empty<Field<AgentEvent>>()]);

    /// <summary>The columns through the cluster when none were chosen: NODE, then the default ones.</summary>
    public static string[] ClusterColumns(EventSchema<AgentEvent> schema) => [Node.Name, .. schema.Fields.Where(f => f.Default && f.Name != Node.Name).Select(f => f.Name)];
}
