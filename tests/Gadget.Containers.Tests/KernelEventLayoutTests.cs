using System.Runtime.CompilerServices;
using Gadget.Containers.Interop;
using Gadget.Traceloop.Tests;

namespace Gadget.Containers.Tests;

/// <summary>
/// bpf/containers.bpf.c's <c>struct container_event</c> is read through <see cref="ContainerEvent"/>, generated from the
/// object's BTF (Gadget.Bpf.Generators, whose own tests compare every generated layout with bpftool for each object in
/// bpf/out): here, that the object Gadget.Containers embeds and loads is laid out as the type says.
/// </summary>
public sealed class KernelEventLayoutTests
{
    [Fact]
    public void ContainerEventMatchesTheEmbeddedObject()
    {
        var path = BtfStructs.Extract(typeof(ContainerCollection).Assembly, "containers.bpf.o");
        try
        {
            var (size, fields) = BtfStructs.Read(path)["container_event"];
            Assert.Equal((size, size), (ContainerEvent.Size, Unsafe.SizeOf<ContainerEvent>()));
            var e = default(ContainerEvent);
            (string C, int Offset)[] pairs =
            [
                ("type", Offset(ref e, ref e.Type)), ("pid", Offset(ref e, ref e.Pid)), ("cgroup_id", Offset(ref e, ref e.CgroupId)),
                ("timestamp", Offset(ref e, ref e.Timestamp)), ("exit_code", Offset(ref e, ref e.ExitCode)),
                ("hierarchy_level", Offset(ref e, ref e.HierarchyLevel)), ("mnt_ns", Offset(ref e, ref e.MntNs)),
                ("creator_uid", Offset(ref e, ref e.CreatorUid)), ("path", Offset(ref e, ref e.Path[0])),
            ];
            Assert.Equal(fields.Keys.Order(), pairs.Select(p => p.C).Order());
            foreach (var (c, offset) in pairs)
            {
                Assert.True(fields[c] == offset, $"{c}: at {fields[c]} in containers.bpf.o, at {offset} in ContainerEvent");
            }
            Assert.Equal(ContainerEvent.Offsets.Path, fields["path"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static int Offset<TField>(ref ContainerEvent owner, ref TField field) =>
        (int)Unsafe.ByteOffset(ref Unsafe.As<ContainerEvent, byte>(ref owner), ref Unsafe.As<TField, byte>(ref field));
}
