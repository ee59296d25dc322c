using System.Runtime.InteropServices;

namespace Gadget.Bpf.Tests;

/// <summary>Loads bpf/maps.bpf.c's object and runs its raw-tracepoint programs with arguments.</summary>
internal static class MapsObject
{
    internal const string FileName = TestObjects.Maps;

    /// <summary>What read_map and through_outer return when there is no entry or inner map.</summary>
    internal const uint Missing = 0xffffffff;

    /// <summary>What through_outer returns when the index is outside the inner map.</summary>
    internal const uint OutOfRange = 0xfffffffe;

    /// <summary>read_map's first argument: which map to read.</summary>
    internal enum Source : ulong
    {
        Hash = 0,
        Array = 1,
        Lru = 2,
        Bloom = 3,
        StackPop = 4,
        PerCpuHash = 5,
    }

    internal static BpfObject Load(uint targetTgid = 0)
    {
        using var spec = TestObjects.Open(FileName);
        spec.SetGlobal("target_tgid", targetTgid);
        return spec.Load();
    }

    /// <summary>Runs <paramref name="program"/> once with raw-tracepoint arguments (unused ones are 0).</summary>
    internal static uint Run(BpfObject obj, string program, ulong arg0 = 0, ulong arg1 = 0, ulong arg2 = 0, ulong arg3 = 0, ulong arg4 = 0, int cpu = -1)
    {
        ReadOnlySpan<ulong> args = [arg0, arg1, arg2, arg3, arg4, 0];
        return obj.Program(program).TestRun(MemoryMarshal.AsBytes(args), cpu: cpu);
    }

    internal static uint Read(BpfObject obj, Source source, ulong key) => Run(obj, "read_map", (ulong)source, key);
}
