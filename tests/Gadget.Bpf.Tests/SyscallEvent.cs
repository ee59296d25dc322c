using System.Runtime.InteropServices;
using System.Text;

namespace Gadget.Bpf.Tests;

/// <summary>Mirror of <c>struct syscall_event</c> in bpf/syscall_events.bpf.c.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SyscallEvent
{
    public uint Pid;
    public uint Tid;
    public long SyscallId;
    public fixed ulong Args[6];
    public ulong TimestampNs;
    public fixed byte Comm[16];
    public fixed byte Path[128];

    public readonly string PathString
    {
        get
        {
            fixed (byte* p = Path)
            {
                var span = new ReadOnlySpan<byte>(p, 128);
                var end = span.IndexOf((byte)0);
                return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
            }
        }
    }
}
