using System.Runtime.InteropServices;

namespace Gadget.Bpf.Tests;

/// <summary>Collects the (pid, syscall) pairs of <see cref="SyscallEvent"/> records, from a ring buffer or a perf buffer.</summary>
internal sealed class SyscallEventCollector
{
    internal List<(uint Pid, long Syscall)> Events { get; } = [];

    internal bool Saw(uint pid, long syscall) => Events.Contains((pid, syscall));

    internal void Add(ReadOnlySpan<byte> record)
    {
        // Exactly the struct from the ring buffer; perf pads a raw sample so that the record stays 8-byte aligned.
        Assert.InRange(record.Length, Marshal.SizeOf<SyscallEvent>(), Marshal.SizeOf<SyscallEvent>() + 7);
        var e = MemoryMarshal.Read<SyscallEvent>(record);
        Events.Add((e.Pid, e.SyscallId));
    }

    /// <summary>A struct handler for both readers, adding to a collector.</summary>
    internal readonly struct Handler(SyscallEventCollector collector) : IRingBufferHandler, IPerfBufferHandler
    {
        public void OnRecord(int ring, ReadOnlySpan<byte> record) => collector.Add(record);

        public void OnLost(int cpu, ulong count) => throw new InvalidOperationException($"CPU {cpu} lost {count} records");
    }
}
