using System.Reflection;
using System.Runtime.InteropServices;
using Gadget.Bpf;

namespace Gadget.Containers.Tests;

/// <summary>bpf/containers_test_probe.bpf.c: what the kernel sees at syscalls, independently of the collection.</summary>
internal sealed class TestProbe : IDisposable
{
    private readonly BpfObject _object;
    private readonly BpfLink _link;

    internal TestProbe()
    {
        _object = BpfObject.FromEmbeddedResource(Assembly.GetExecutingAssembly(), "containers_test_probe.bpf.o");
        _object.Load();
        _link = _object.Program("probe_sys_enter").Attach();
    }

    /// <summary>CLOCK_BOOTTIME ns of the first syscall in the cgroup by a non-runc task, or null.</summary>
    internal ulong? FirstSyscall(ulong cgroupId) =>
        _object.Map("first_syscall").As<ulong, ulong>().TryLookup(cgroupId, out var time) ? time : null;

    /// <summary>The cgroup id and mount namespace the kernel saw process <paramref name="pid"/> in at its first syscall.</summary>
    internal (ulong CgroupId, ulong MountNamespace)? Identity(int pid) =>
        _object.Map("process_identity").As<uint, IdentityRecord>().TryLookup((uint)pid, out var who) ? (who.CgroupId, who.MountNamespace) : null;

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
    }
}
