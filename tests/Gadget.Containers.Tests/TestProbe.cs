using System.Reflection;
using System.Runtime.InteropServices;
using Gadget.Bpf;

namespace Gadget.Containers.Tests;

/// <summary>bpf/containers_test_probe.bpf.c: what the kernel sees at syscalls, independently of the collection.</summary>
internal sealed class TestProbe : IDisposable
{
    private readonly BpfObject _object;
    private readonly BpfLink _link;

    internal TestProbe(TaskStructOffsets? rawOffsets = null)
    {
        using (var spec = BpfObjectSpec.FromEmbeddedResource(Assembly.GetExecutingAssembly(), "containers_test_probe.bpf.o"))
        {
            if (rawOffsets is not null)
            {
                spec.SetGlobal("nsproxy_offset", (uint)rawOffsets.Nsproxy);
                spec.SetGlobal("mnt_ns_offset", (uint)rawOffsets.MountNamespace);
                spec.SetGlobal("mnt_inum_offset", (uint)rawOffsets.MountNamespaceInum);
            }
            _object = spec.Load();
        }
        _link = _object.Program("probe_sys_enter").Attach();
    }

    /// <summary>CLOCK_BOOTTIME ns of the first syscall in the cgroup by a non-runc task, or null.</summary>
    internal ulong? FirstSyscall(ulong cgroupId) =>
        _object.Map("first_syscall").As<ulong, ulong>().TryLookup(cgroupId, out var time) ? time : null;

    /// <summary>The cgroup id and mount namespace the kernel saw process <paramref name="pid"/> in at its first syscall.</summary>
    internal (ulong CgroupId, ulong MountNamespace, ulong RawMountNamespace)? Identity(int pid) =>
        _object.Map("process_identity").As<uint, IdentityRecord>().TryLookup((uint)pid, out var who) ? (who.CgroupId, who.MountNamespace, who.RawMountNamespace) : null;

    /// <summary>The offsets BTF gives (bpf_core_field_offset), in the order of <see cref="TaskStructOffsets"/>.</summary>
    internal TaskStructOffsets BtfOffsets()
    {
        _object.Program("btf_offsets").TestRun(new byte[8]);
        var bss = _object.Maps.First(m => m.Name.EndsWith(".bss", StringComparison.Ordinal));
        var value = new byte[bss.ValueSize];
        Assert.True(bss.TryLookup(new byte[4], value));
        var words = MemoryMarshal.Cast<byte, uint>(value);
        return new TaskStructOffsets((int)words[0], (int)words[1], (int)words[2], (int)words[3], (int)words[4]);
    }

    public void Dispose()
    {
        _link.Dispose();
        _object.Dispose();
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct IdentityRecord
    {
        internal ulong CgroupId;
        internal ulong MountNamespace;
        internal ulong RawMountNamespace;
    }
}
