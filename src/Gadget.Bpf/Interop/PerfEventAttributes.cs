using System.Runtime.InteropServices;

namespace Gadget.Bpf.Interop;

/// <summary><c>struct perf_event_attr</c> (PERF_ATTR_SIZE_VER8, 136 bytes).</summary>
[StructLayout(LayoutKind.Sequential, Size = 136)]
internal struct PerfEventAttributes
{
    internal const uint TypeHardware = 0;
    internal const uint TypeSoftware = 1;
    internal const uint TypeTracepoint = 2;
    internal const ulong SoftwareCpuClock = 0;
    internal const ulong SoftwareBpfOutput = 10;
    internal const ulong SampleRaw = 1UL << 10;
    internal const ulong FlagDisabled = 1UL << 0;
    internal const ulong FlagFrequency = 1UL << 10;
    internal const ulong FlagWatermark = 1UL << 14;
    internal const ulong FlagWriteBackward = 1UL << 27;

    public uint Type;
    public uint Size;
    public ulong Config;
    public ulong SamplePeriodOrFrequency;
    public ulong SampleType;
    public ulong ReadFormat;
    public ulong Flags;
    public uint WakeupEventsOrWatermark;
    public uint BreakpointType;
    public ulong Config1;
    public ulong Config2;
}
