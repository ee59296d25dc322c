using System.Runtime.InteropServices;
using System.Text;

namespace SyscallCount;

/// <summary>Mirror of <c>struct process_key</c> in bpf/syscall_events.bpf.c.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ProcessKey
{
    public uint Tgid;
    public fixed byte Comm[16];

    public readonly string CommText
    {
        get
        {
            fixed (byte* comm = Comm)
            {
                var span = new ReadOnlySpan<byte>(comm, 16);
                var end = span.IndexOf((byte)0);
                return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
            }
        }
    }
}
