using System.Runtime.InteropServices;

namespace Gadget.Containers.Interop;

/// <summary>Mirror of <c>struct container_event</c> in bpf/containers.bpf.c.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KernelContainerEvent
{
    internal const uint CgroupMkdir = 1;
    internal const uint CgroupRmdir = 2;
    internal const uint InitExit = 4;
    internal const uint Exec = 5;
    internal const int PathLength = 200;

    internal uint Type;
    internal uint Pid;
    internal ulong CgroupId;
    internal ulong Timestamp;
    internal uint ExitCode;
    internal uint HierarchyLevel;
    internal uint MountNamespace;
    internal uint Reserved;
    internal fixed byte Path[PathLength];

    internal readonly string PathText
    {
        get
        {
            fixed (byte* p = Path)
            {
                var span = new ReadOnlySpan<byte>(p, PathLength);
                var end = span.IndexOf((byte)0);
                return System.Text.Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
            }
        }
    }
}
