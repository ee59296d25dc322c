using System.Text;

namespace Gadget.Containers.Interop;

/// <summary>
/// <c>struct container_event</c> of bpf/containers.bpf.c: its layout is generated from the object's BTF (the other part of
/// this partial struct, Gadget.Bpf.Generators); here what BTF does not carry, the event types (<c>#define</c>s).
/// </summary>
internal partial struct ContainerEvent
{
    // container_event.type: bpf/containers.bpf.c's EVENT_CGROUP_MKDIR... (macros, not in BTF).
    internal const uint CgroupMkdir = 1;
    internal const uint CgroupRmdir = 2;
    internal const uint InitExit = 4;
    internal const uint Exec = 5;

    /// <summary><see cref="Path"/> up to its NUL, as UTF-8.</summary>
    internal string PathText
    {
        get
        {
            var path = Path;
            var end = path.IndexOf((byte)0);
            return Encoding.UTF8.GetString(end < 0 ? path : path[..end]);
        }
    }
}
