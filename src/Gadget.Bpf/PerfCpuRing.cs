using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>One CPU's perf event and its memory-mapped ring: a metadata page followed by a power-of-two data area.</summary>
internal sealed unsafe class PerfCpuRing : IDisposable
{
    private readonly FileDescriptorHandle _event;
    private readonly MemoryMappingHandle _mapping;

    private PerfCpuRing(int cpu, FileDescriptorHandle perfEvent, MemoryMappingHandle mapping, int pageSize, int pageCount)
    {
        Cpu = cpu;
        _event = perfEvent;
        _mapping = mapping;
        var metadata = mapping.Address;
        var dataOffset = *(ulong*)(metadata + PerfAbi.PerfPageDataOffset);
        var dataSize = *(ulong*)(metadata + PerfAbi.PerfPageDataSize);
        if (dataOffset == 0 || dataSize == 0)
        {
            dataOffset = (ulong)pageSize; // kernels before 4.1: the data follows the metadata page
            dataSize = (ulong)pageSize * (ulong)pageCount;
        }
        Memory = new PerfRingMemory(metadata, metadata + dataOffset, dataSize);
    }

    /// <summary>The CPU this ring belongs to (its index in the perf event array).</summary>
    internal int Cpu { get; }

    /// <summary>The kernel id of the perf event array this ring was stored in (0 until stored).</summary>
    internal uint MapId { get; set; }

    /// <summary>The perf event's descriptor (stored in the map, registered with epoll).</summary>
    internal int Fd => _event.Fd;

    /// <summary>The metadata page and data area, for <see cref="PerfRingParser"/>.</summary>
    internal PerfRingMemory Memory { get; }

    /// <summary>
    /// Opens the BPF output perf event for <paramref name="cpu"/> and maps its ring. Returns null when the CPU is offline (ENODEV).
    /// </summary>
    /// <param name="cpu">The CPU.</param>
    /// <param name="pageCount">Data pages (a power of two).</param>
    /// <param name="backward">An overwritable ring (<c>write_backward</c>, mapped read-only).</param>
    /// <param name="wakeupEvents">Forward rings: wake a waiter after this many records.</param>
    /// <param name="wakeupWatermarkBytes">Forward rings: when above 0, wake a waiter at this many bytes instead.</param>
    /// <param name="pageSize">The system's page size.</param>
    internal static PerfCpuRing? Open(int cpu, int pageCount, bool backward, int wakeupEvents, int wakeupWatermarkBytes, int pageSize)
    {
        var attributes = new PerfEventAttributes
        {
            Type = PerfEventAttributes.TypeSoftware,
            Config = PerfEventAttributes.SoftwareBpfOutput,
            SampleType = PerfEventAttributes.SampleRaw,
            SamplePeriodOrFrequency = 1,
            Flags = PerfEventAttributes.FlagDisabled,
        };
        if (backward)
        {
            attributes.Flags |= PerfEventAttributes.FlagWriteBackward;
        }
        else if (wakeupWatermarkBytes > 0)
        {
            attributes.Flags |= PerfEventAttributes.FlagWatermark;
            attributes.WakeupEventsOrWatermark = (uint)wakeupWatermarkBytes;
        }
        else
        {
            attributes.WakeupEventsOrWatermark = (uint)wakeupEvents;
        }

        int fd;
        try
        {
            fd = PerfEvents.Open(ref attributes, pid: -1, cpu, "BPF output (perf buffer)");
        }
        catch (BpfException e) when (e.Errno == LinuxErrno.ENODEV)
        {
            return null;
        }
        var perfEvent = new FileDescriptorHandle(fd);
        try
        {
            var length = (nuint)pageSize * (nuint)(pageCount + 1);
            // Read-only makes the kernel overwrite old data instead of stopping at data_tail.
            var protection = backward ? Libc.PROT_READ : Libc.PROT_READ | Libc.PROT_WRITE;
            MemoryMappingHandle mapping;
            try
            {
                mapping = MemoryMappingHandle.Map(fd, length, protection, $"the perf ring of CPU {cpu}");
            }
            catch (BpfException e) when (e.Errno is Errno.EPERM or Errno.ENOMEM)
            {
                // EPERM already says which limit and what lifts it (PermissionAdvice); ENOMEM is the memory itself.
                var message = e.Errno == Errno.EPERM
                    ? $"{e.Message} Each ring is {pageCount} pages per CPU."
                    : $"{e.Message} Perf ring memory counts against /proc/sys/kernel/perf_event_mlock_kb per user (unless " +
                      $"CAP_IPC_LOCK) and RLIMIT_MEMLOCK: use fewer pages per CPU (now {pageCount}).";
                throw e is BpfPermissionException ? new BpfPermissionException(message, e.Errno) : new BpfException(message, e.Errno, e);
            }
            return new PerfCpuRing(cpu, perfEvent, mapping, pageSize, pageCount);
        }
        catch
        {
            perfEvent.Dispose();
            throw;
        }
    }

    /// <summary>Starts the event (<c>PERF_EVENT_IOC_ENABLE</c>).</summary>
    internal void Enable() => Ioctl(PerfAbi.PERF_EVENT_IOC_ENABLE, 0, "enable");

    /// <summary>Stops (<paramref name="paused"/>) or resumes the kernel's writes into the ring (<c>PERF_EVENT_IOC_PAUSE_OUTPUT</c>).</summary>
    internal void PauseOutput(bool paused) => Ioctl(PerfAbi.PERF_EVENT_IOC_PAUSE_OUTPUT, paused ? 1 : 0, paused ? "pause output" : "resume output");

    /// <summary>Unmaps the ring and closes the event.</summary>
    public void Dispose()
    {
        _mapping.Dispose();
        _event.Dispose();
    }

    private void Ioctl(nuint request, nint argument, string what)
    {
        if (Libc.ioctl(_event.Fd, request, argument) < 0)
        {
            throw Errno.ToException(Errno.Last, $"{what} of the perf event of CPU {Cpu}");
        }
    }
}
