using System.Reflection;
using System.Runtime.CompilerServices;
using Gadget.Traceloop.Tests;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// The gadgets read their records through structs generated from each object's BTF (Gadget.Bpf.Generators; the generator's
/// own GadgetObjectTests compare every generated struct's runtime size and member offsets with bpftool for every object in
/// bpf/out). What is left to check here: the objects Gadget.Gadgets embeds and loads are those the types were generated from
/// (bpftool on the embedded resource: same size, same members at the same offsets), and tcpaccept's <c>struct tcp_event</c>,
/// which has no generated type of its own, is laid out as tcpconnect's, whose generated type decodes both.
/// </summary>
public sealed class RecordLayoutTests
{
    public static TheoryData<string, string, Type> Records() => new()
    {
        { "execsnoop", "exec_event", typeof(Bpf.Execsnoop.ExecEvent) },
        { "opensnoop", "open_event", typeof(Bpf.Opensnoop.OpenEvent) },
        { "sigsnoop", "signal_event", typeof(Bpf.Sigsnoop.SignalEvent) },
        { "oomkill", "oom_event", typeof(Bpf.Oomkill.OomEvent) },
        { "exitsnoop", "exit_event", typeof(Bpf.Exitsnoop.ExitEvent) },
        { "bindsnoop", "bind_event", typeof(Bpf.Bindsnoop.BindEvent) },
        { "mountsnoop", "mount_event", typeof(Bpf.Mountsnoop.MountEvent) },
        { "snapshot_process", "process_entry", typeof(Bpf.SnapshotProcess.ProcessEntry) },
        { "snapshot_socket", "socket_entry", typeof(Bpf.SnapshotSocket.SocketEntry) },
        { "tcpconnect", "tcp_event", typeof(Bpf.Tcpconnect.TcpEvent) },
        { "tcpaccept", "tcp_event", typeof(Bpf.Tcpconnect.TcpEvent) },
        { "tcptop", "tcptop_key", typeof(Bpf.Tcptop.TcptopKey) },
        { "tcptop", "tcptop_value", typeof(Bpf.Tcptop.TcptopValue) },
        { "tcpretrans", "tcpretrans_event", typeof(Bpf.Tcpretrans.TcpretransEvent) },
        { "tcpdrop", "tcpdrop_event", typeof(Bpf.Tcpdrop.TcpdropEvent) },
        { "capable", "capable_event", typeof(Bpf.Capable.CapableEvent) },
        { "profile", "profile_key", typeof(Bpf.Profile.ProfileKey) },
        { "execsnoop", "gadget_process", typeof(Bpf.Execsnoop.GadgetProcess) },
        { "opensnoop", "gadget_process", typeof(Bpf.Opensnoop.GadgetProcess) },
        { "sigsnoop", "gadget_process", typeof(Bpf.Sigsnoop.GadgetProcess) },
        { "oomkill", "gadget_process", typeof(Bpf.Oomkill.GadgetProcess) },
        { "exitsnoop", "gadget_process", typeof(Bpf.Exitsnoop.GadgetProcess) },
        { "bindsnoop", "gadget_process", typeof(Bpf.Bindsnoop.GadgetProcess) },
        { "mountsnoop", "gadget_process", typeof(Bpf.Mountsnoop.GadgetProcess) },
        { "snapshot_process", "gadget_process", typeof(Bpf.SnapshotProcess.GadgetProcess) },
        { "tcpconnect", "gadget_process", typeof(Bpf.Tcpconnect.GadgetProcess) },
        { "tcpaccept", "gadget_process", typeof(Bpf.Tcpconnect.GadgetProcess) },
        { "tcptop", "gadget_process", typeof(Bpf.Tcptop.GadgetProcess) },
        { "capable", "gadget_process", typeof(Bpf.Capable.GadgetProcess) },
    };

    [Theory]
    [MemberData(nameof(Records))]
    public void TheGeneratedTypeMatchesTheEmbeddedObject(string gadget, string cStruct, Type generated)
    {
        var c = Read(gadget)[cStruct];
        var size = (int)generated.GetField("Size")!.GetRawConstantValue()!;
        Assert.Equal((c.Size, c.Size), (size, RuntimeHelpers.SizeOf(generated.TypeHandle)));
        var offsets = generated.GetNestedType("Offsets")!.GetFields(BindingFlags.Public | BindingFlags.Static)
            .ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);
        Assert.Equal(c.Fields.Keys.Select(PascalCase).Order(), offsets.Keys.Order());
        foreach (var (name, offset) in c.Fields)
        {
            Assert.True(offsets[PascalCase(name)] == offset, $"{cStruct}.{name}: at {offset} in {gadget}.bpf.o, at {offsets[PascalCase(name)]} in {generated}");
        }
    }

    /// <summary>args is exec_event's last member: ExecSnoop reads a record's fixed part up to it, the arguments after it.</summary>
    [Fact]
    public void ExecEventsFixedPartEndsAtItsArguments()
    {
        var c = Read("execsnoop")["exec_event"];
        Assert.Equal(Bpf.Execsnoop.ExecEvent.Offsets.Args, c.Fields["args"]);
        Assert.Equal(Bpf.Execsnoop.ExecEvent.Offsets.Args, c.Fields.Values.Max());
    }

    /// <summary>
    /// ProcessView reads every gadget's <c>struct gadget_process</c> through exitsnoop's generated type: each object's own
    /// type (checked against its object above) has its size and members at its offsets.
    /// </summary>
    [Fact]
    public void EveryGadgetProcessIsLaidOutAsTheOneProcessViewReads()
    {
        static (int Size, string Offsets) Layout(Type type) => ((int)type.GetField("Size")!.GetRawConstantValue()!,
            string.Join(',', type.GetNestedType("Offsets")!.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => $"{f.Name}={f.GetRawConstantValue()}").Order()));
        var read = Layout(typeof(Bpf.Exitsnoop.GadgetProcess));
        var types = Records().Select(row => (Type)row[2]).Where(t => t.Name == nameof(Bpf.Exitsnoop.GadgetProcess)).Distinct().ToList();
        Assert.True(types.Count >= 10, string.Join(", ", types));
        Assert.All(types, type => Assert.Equal(read, Layout(type)));
    }

    private static string PascalCase(string snake) =>
        string.Concat(snake.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(part => char.ToUpperInvariant(part[0]) + part[1..]));

    private static Dictionary<string, (int Size, Dictionary<string, int> Fields)> Read(string gadget)
    {
        var path = BtfStructs.Extract(typeof(ExecSnoop).Assembly, gadget + ".bpf.o");
        try
        {
            return BtfStructs.Read(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
