using System.Runtime.CompilerServices;
using Gadget.Traceloop.Tests;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// Every gadget's C record (bpf/*.bpf.c, bpf/gadget.h, bpf/tcp_gadgets.h) and the C# struct that reads it agree: sizes and
/// field offsets read from the BTF of the object embedded in Gadget.Gadgets. A field added on one side only fails here.
/// </summary>
public sealed unsafe class RecordLayoutTests
{
    [Fact]
    public void ProcessRecordMatchesGadgetProcessInEveryObject()
    {
        foreach (var name in (string[])["execsnoop", "opensnoop", "sigsnoop", "oomkill", "exitsnoop", "bindsnoop", "mountsnoop", "snapshot_process", "tcpconnect", "tcpaccept", "tcptop"])
        {
            var p = default(ProcessRecord);
            AssertLayout(Read(name)["gadget_process"], ProcessRecord.Size, Unsafe.SizeOf<ProcessRecord>(),
                ("pid", Offset(ref p, ref p.Pid)), ("tid", Offset(ref p, ref p.Tid)), ("ppid", Offset(ref p, ref p.ParentPid)),
                ("uid", Offset(ref p, ref p.Uid)), ("gid", Offset(ref p, ref p.Gid)), ("reserved", Offset(ref p, ref p.Reserved)),
                ("comm", Offset(ref p, ref p.Comm)), ("pcomm", Offset(ref p, ref p.ParentComm)));
        }
    }

    /// <summary>
    /// ExecSnoop's record is generated from the object's BTF (Gadget.Bpf.Generators): checked here all the same, against
    /// bpftool's view of the embedded object, down to the runtime's layout (its real field offsets, not the attributes).
    /// </summary>
    [Fact]
    public void GeneratedExecEventMatchesExecEvent()
    {
        var r = default(Gadget.Gadgets.Bpf.Execsnoop.ExecEvent);
        var c = Read("execsnoop")["exec_event"];
        AssertLayout(c, Gadget.Gadgets.Bpf.Execsnoop.ExecEvent.Size, Unsafe.SizeOf<Gadget.Gadgets.Bpf.Execsnoop.ExecEvent>(),
            ("timestamp", Offset(ref r, ref r.Timestamp)), ("cgroup_id", Offset(ref r, ref r.CgroupId)),
            ("proc", Offset(ref r, ref r.Proc)), ("retval", Offset(ref r, ref r.Retval)), ("flags", Offset(ref r, ref r.Flags)),
            ("args_count", Offset(ref r, ref r.ArgsCount)), ("args_size", Offset(ref r, ref r.ArgsSize)), ("args", Offset(ref r, ref r.Args[0])));
        Assert.Equal(Gadget.Gadgets.Bpf.Execsnoop.ExecEvent.Offsets.Args, c.Fields["args"]);
        var p = default(Gadget.Gadgets.Bpf.Execsnoop.GadgetProcess);
        AssertLayout(Read("execsnoop")["gadget_process"], Gadget.Gadgets.Bpf.Execsnoop.GadgetProcess.Size, Unsafe.SizeOf<Gadget.Gadgets.Bpf.Execsnoop.GadgetProcess>(),
            ("pid", Offset(ref p, ref p.Pid)), ("tid", Offset(ref p, ref p.Tid)), ("ppid", Offset(ref p, ref p.Ppid)),
            ("uid", Offset(ref p, ref p.Uid)), ("gid", Offset(ref p, ref p.Gid)), ("reserved", Offset(ref p, ref p.Reserved)),
            ("comm", Offset(ref p, ref p.Comm[0])), ("pcomm", Offset(ref p, ref p.Pcomm[0])));
    }

    [Fact]
    public void OpenRecordMatchesOpenEvent()
    {
        var r = default(OpenRecord);
        var c = Read("opensnoop")["open_event"];
        AssertLayout(c, c.Size, Unsafe.SizeOf<OpenRecord>(),
            ("timestamp", Offset(ref r, ref r.Timestamp)), ("cgroup_id", Offset(ref r, ref r.CgroupId)), ("proc", Offset(ref r, ref r.Process)),
            ("retval", Offset(ref r, ref r.ReturnValue)), ("flags", Offset(ref r, ref r.Flags)), ("mode", Offset(ref r, ref r.Mode)),
            ("path", Offset(ref r, ref r.Path)));
    }

    [Fact]
    public void SignalRecordMatchesSignalEvent()
    {
        var r = default(SignalRecord);
        var c = Read("sigsnoop")["signal_event"];
        AssertLayout(c, c.Size, Unsafe.SizeOf<SignalRecord>(),
            ("timestamp", Offset(ref r, ref r.Timestamp)), ("sender_cgroup_id", Offset(ref r, ref r.SenderCgroupId)),
            ("target_cgroup_id", Offset(ref r, ref r.TargetCgroupId)), ("sender", Offset(ref r, ref r.Sender)),
            ("target_pid", Offset(ref r, ref r.TargetPid)), ("target_tid", Offset(ref r, ref r.TargetTid)), ("signal", Offset(ref r, ref r.Signal)),
            ("result", Offset(ref r, ref r.Result)), ("group", Offset(ref r, ref r.Group)), ("reserved", Offset(ref r, ref r.Reserved)),
            ("target_comm", Offset(ref r, ref r.TargetComm)));
    }

    [Fact]
    public void OomRecordMatchesOomEvent()
    {
        var r = default(OomRecord);
        var c = Read("oomkill")["oom_event"];
        AssertLayout(c, c.Size, Unsafe.SizeOf<OomRecord>(),
            ("timestamp", Offset(ref r, ref r.Timestamp)), ("victim_cgroup_id", Offset(ref r, ref r.VictimCgroupId)),
            ("trigger_cgroup_id", Offset(ref r, ref r.TriggerCgroupId)), ("total_vm_pages", Offset(ref r, ref r.TotalVmPages)),
            ("anon_rss_pages", Offset(ref r, ref r.AnonRssPages)), ("file_rss_pages", Offset(ref r, ref r.FileRssPages)),
            ("shmem_rss_pages", Offset(ref r, ref r.ShmemRssPages)), ("trigger", Offset(ref r, ref r.Trigger)),
            ("victim_pid", Offset(ref r, ref r.VictimPid)), ("victim_uid", Offset(ref r, ref r.VictimUid)),
            ("victim_comm", Offset(ref r, ref r.VictimComm)), ("memcg_name", Offset(ref r, ref r.MemoryCgroup)));
    }

    [Fact]
    public void ExitRecordMatchesExitEvent()
    {
        var r = default(ExitRecord);
        var c = Read("exitsnoop")["exit_event"];
        AssertLayout(c, c.Size, Unsafe.SizeOf<ExitRecord>(),
            ("timestamp", Offset(ref r, ref r.Timestamp)), ("cgroup_id", Offset(ref r, ref r.CgroupId)),
            ("lifetime_ns", Offset(ref r, ref r.LifetimeNs)), ("proc", Offset(ref r, ref r.Process)),
            ("exit_status", Offset(ref r, ref r.ExitStatus)), ("reserved", Offset(ref r, ref r.Reserved)));
    }

    [Fact]
    public void BindRecordMatchesBindEvent()
    {
        var r = default(BindRecord);
        var c = Read("bindsnoop")["bind_event"];
        AssertLayout(c, c.Size, Unsafe.SizeOf<BindRecord>(),
            ("timestamp", Offset(ref r, ref r.Timestamp)), ("cgroup_id", Offset(ref r, ref r.CgroupId)), ("proc", Offset(ref r, ref r.Process)),
            ("retval", Offset(ref r, ref r.ReturnValue)), ("fd", Offset(ref r, ref r.FileDescriptor)), ("addrlen", Offset(ref r, ref r.AddressLength)),
            ("scope_id", Offset(ref r, ref r.ScopeId)), ("family", Offset(ref r, ref r.Family)), ("port", Offset(ref r, ref r.Port)),
            ("bound_port", Offset(ref r, ref r.BoundPort)), ("socket_type", Offset(ref r, ref r.SocketType)), ("protocol", Offset(ref r, ref r.Protocol)),
            ("reserved", Offset(ref r, ref r.Reserved)), ("reserved2", Offset(ref r, ref r.Reserved2)), ("addr", Offset(ref r, ref r.Address[0])));
    }

    [Fact]
    public void MountRecordMatchesMountEvent()
    {
        var r = default(MountRecord);
        var c = Read("mountsnoop")["mount_event"];
        AssertLayout(c, c.Size, Unsafe.SizeOf<MountRecord>(),
            ("timestamp", Offset(ref r, ref r.Timestamp)), ("cgroup_id", Offset(ref r, ref r.CgroupId)), ("proc", Offset(ref r, ref r.Process)),
            ("retval", Offset(ref r, ref r.ReturnValue)), ("op", Offset(ref r, ref r.Operation)), ("flags", Offset(ref r, ref r.Flags)),
            ("source", Offset(ref r, ref r.Source)), ("target", Offset(ref r, ref r.Target)), ("fstype", Offset(ref r, ref r.FileSystemType)),
            ("data", Offset(ref r, ref r.Data)));
    }

    [Fact]
    public void ProcessEntryRecordMatchesProcessEntry()
    {
        var r = default(ProcessEntryRecord);
        var c = Read("snapshot_process")["process_entry"];
        AssertLayout(c, ProcessEntryRecord.Size, Unsafe.SizeOf<ProcessEntryRecord>(),
            ("cgroup_id", Offset(ref r, ref r.CgroupId)), ("start_boottime", Offset(ref r, ref r.StartBoottime)), ("proc", Offset(ref r, ref r.Process)));
    }

    [Theory]
    [InlineData("tcpconnect")]
    [InlineData("tcpaccept")]
    public void TcpEventRecordMatchesTcpEvent(string gadget)
    {
        var r = default(TcpEventRecord);
        var c = Read(gadget)["tcp_event"];
        AssertLayout(c, TcpEventRecord.Size, Unsafe.SizeOf<TcpEventRecord>(),
            ("timestamp_ns", Offset(ref r, ref r.TimestampNs)), ("cgroup_id", Offset(ref r, ref r.CgroupId)),
            ("latency_ns", Offset(ref r, ref r.LatencyNs)), ("proc", Offset(ref r, ref r.Process)), ("netns", Offset(ref r, ref r.NetNamespace)),
            ("error", Offset(ref r, ref r.Error)), ("family", Offset(ref r, ref r.Family)), ("sport", Offset(ref r, ref r.SourcePort)),
            ("dport", Offset(ref r, ref r.DestinationPort)), ("state", Offset(ref r, ref r.State)),
            ("saddr", Offset(ref r, ref r.SourceAddress[0])), ("daddr", Offset(ref r, ref r.DestinationAddress[0])));
    }

    [Fact]
    public void TcpTopKeyAndValueMatchTheMap()
    {
        var structs = Read("tcptop");
        var k = default(TcpTopKey);
        AssertLayout(structs["tcptop_key"], structs["tcptop_key"].Size, Unsafe.SizeOf<TcpTopKey>(),
            ("cgroup_id", Offset(ref k, ref k.CgroupId)), ("pid", Offset(ref k, ref k.Pid)), ("netns", Offset(ref k, ref k.NetNamespace)),
            ("family", Offset(ref k, ref k.Family)), ("sport", Offset(ref k, ref k.SourcePort)), ("dport", Offset(ref k, ref k.DestinationPort)),
            ("reserved", Offset(ref k, ref k.Reserved)), ("saddr", Offset(ref k, ref k.SourceAddress[0])),
            ("daddr", Offset(ref k, ref k.DestinationAddress[0])));
        var v = default(TcpTopValue);
        AssertLayout(structs["tcptop_value"], structs["tcptop_value"].Size, Unsafe.SizeOf<TcpTopValue>(),
            ("sent", Offset(ref v, ref v.Sent)), ("received", Offset(ref v, ref v.Received)), ("sends", Offset(ref v, ref v.Sends)),
            ("receives", Offset(ref v, ref v.Receives)), ("proc", Offset(ref v, ref v.Process)));
    }

    [Fact]
    public void TcpRetransRecordMatchesTcpRetransEvent()
    {
        var r = default(TcpRetransRecord);
        AssertLayout(Read("tcpretrans")["tcpretrans_event"], TcpRetransRecord.Size, Unsafe.SizeOf<TcpRetransRecord>(),
            ("timestamp_ns", Offset(ref r, ref r.TimestampNs)), ("cgroup_id", Offset(ref r, ref r.CgroupId)), ("netns", Offset(ref r, ref r.NetNamespace)),
            ("state", Offset(ref r, ref r.State)), ("family", Offset(ref r, ref r.Family)), ("sport", Offset(ref r, ref r.SourcePort)),
            ("dport", Offset(ref r, ref r.DestinationPort)), ("tcpflags", Offset(ref r, ref r.TcpFlags)), ("reserved", Offset(ref r, ref r.Reserved)),
            ("saddr", Offset(ref r, ref r.SourceAddress[0])), ("daddr", Offset(ref r, ref r.DestinationAddress[0])));
    }

    [Fact]
    public void TcpDropRecordMatchesTcpDropEvent()
    {
        var r = default(TcpDropRecord);
        AssertLayout(Read("tcpdrop")["tcpdrop_event"], TcpDropRecord.Size, Unsafe.SizeOf<TcpDropRecord>(),
            ("timestamp_ns", Offset(ref r, ref r.TimestampNs)), ("cgroup_id", Offset(ref r, ref r.CgroupId)), ("netns", Offset(ref r, ref r.NetNamespace)),
            ("reason", Offset(ref r, ref r.Reason)), ("family", Offset(ref r, ref r.Family)), ("sport", Offset(ref r, ref r.SourcePort)),
            ("dport", Offset(ref r, ref r.DestinationPort)), ("tcpflags", Offset(ref r, ref r.TcpFlags)), ("state", Offset(ref r, ref r.State)),
            ("saddr", Offset(ref r, ref r.SourceAddress[0])), ("daddr", Offset(ref r, ref r.DestinationAddress[0])));
    }

    [Fact]
    public void SocketEntryRecordMatchesSocketEntry()
    {
        var r = default(SocketEntryRecord);
        AssertLayout(Read("snapshot_socket")["socket_entry"], SocketEntryRecord.Size, Unsafe.SizeOf<SocketEntryRecord>(),
            ("cgroup_id", Offset(ref r, ref r.CgroupId)), ("inode", Offset(ref r, ref r.Inode)), ("netns", Offset(ref r, ref r.NetNamespace)),
            ("uid", Offset(ref r, ref r.Uid)), ("family", Offset(ref r, ref r.Family)), ("protocol", Offset(ref r, ref r.Protocol)),
            ("state", Offset(ref r, ref r.State)), ("sport", Offset(ref r, ref r.SourcePort)), ("dport", Offset(ref r, ref r.DestinationPort)),
            ("reserved", Offset(ref r, ref r.Reserved)), ("reserved2", Offset(ref r, ref r.Reserved2)),
            ("saddr", Offset(ref r, ref r.SourceAddress[0])), ("daddr", Offset(ref r, ref r.DestinationAddress[0])));
    }

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

    private static int Offset<TOwner, TField>(ref TOwner owner, ref TField field) =>
        (int)Unsafe.ByteOffset(ref Unsafe.As<TOwner, byte>(ref owner), ref Unsafe.As<TField, byte>(ref field));

    private static void AssertLayout((int Size, Dictionary<string, int> Fields) c, int declaredSize, int csharpSize, params (string C, int Offset)[] fields)
    {
        Assert.Equal(c.Size, declaredSize);
        Assert.Equal(c.Size, csharpSize);
        AssertFields(c, fields);
    }

    private static void AssertFields((int Size, Dictionary<string, int> Fields) c, params (string C, int Offset)[] fields)
    {
        Assert.Equal(c.Fields.Keys.Order(), fields.Select(f => f.C).Order());
        foreach (var (name, offset) in fields)
        {
            Assert.True(c.Fields[name] == offset, $"{name}: at {c.Fields[name]} in C, at {offset} in C#");
        }
    }
}
