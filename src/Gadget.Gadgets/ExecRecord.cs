using System.Runtime.InteropServices;

namespace Gadget.Gadgets;

/// <summary>The fixed part of <c>struct exec_event</c> (bpf/execsnoop.bpf.c); the NUL-separated arguments follow it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ExecRecord
{
    public const int TooManyArguments = 1;
    public const int ArgumentCut = 2;
    public const int ArgumentsFault = 4;

    /// <summary>offsetof(struct exec_event, args): the C struct has no padding before the arguments (this one has 4 bytes after).</summary>
    public const int Size = 84;

    public ulong Timestamp;
    public ulong CgroupId;
    public ProcessRecord Process;
    public int ReturnValue;
    public uint Flags;
    public ushort ArgumentCount;
    public ushort ArgumentsSize;
}
