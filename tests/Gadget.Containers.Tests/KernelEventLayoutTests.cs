using System.Runtime.InteropServices;
using Gadget.Containers.Interop;
using Gadget.Traceloop.Tests;

namespace Gadget.Containers.Tests;

/// <summary>bpf/containers.bpf.c's <c>struct container_event</c> and its C# mirror agree (read from the object's BTF).</summary>
public sealed class KernelEventLayoutTests
{
    [Fact]
    public void ContainerEventMatchesKernelContainerEvent()
    {
        var path = BtfStructs.Extract(typeof(ContainerCollection).Assembly, "containers.bpf.o");
        try
        {
            var (size, fields) = BtfStructs.Read(path)["container_event"];
            Assert.Equal(size, Marshal.SizeOf<KernelContainerEvent>());
            (string C, string CSharp)[] pairs =
            [
                ("type", nameof(KernelContainerEvent.Type)), ("pid", nameof(KernelContainerEvent.Pid)),
                ("cgroup_id", nameof(KernelContainerEvent.CgroupId)), ("timestamp", nameof(KernelContainerEvent.Timestamp)),
                ("exit_code", nameof(KernelContainerEvent.ExitCode)), ("hierarchy_level", nameof(KernelContainerEvent.HierarchyLevel)),
                ("mnt_ns", nameof(KernelContainerEvent.MountNamespace)), ("reserved", nameof(KernelContainerEvent.Reserved)),
                ("path", nameof(KernelContainerEvent.Path)),
            ];
            Assert.Equal(fields.Count, pairs.Length);
            foreach (var (c, cs) in pairs)
            {
                Assert.Equal(fields[c], (int)Marshal.OffsetOf<KernelContainerEvent>(cs));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
