using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>One CPU's perf event and its memory-mapped ring: a metadata page followed by a power-of-two data area.</summary>
internal sealed unsafe class PerfCpuRing : IDisposable
{
    private readonly FileDescriptorHandle _event;
    private readonly MemoryMappingHandle _mapping;

    private PerfCpuRing(int cpu, FileDescriptorHandle perfEvent, MemoryMappingHandle mapping, int pageSize)
    {
        Cpu = cpu;
        _event = perfEvent;
        _mapping = mapping;
        Metadata = mapping.Address;
        var dataOffset = *(ulong*)(Metadata + Libc.PerfPageDataOffset);
        var dataSize = *(ulong*)(Metadata + Libc.PerfPageDataSize);
        if (dataOffset == 0 || dataSize == 0)
        {
            dataOffset = (ulong)pageSize; // kernels before 4.1: the data follows the metadata page
            dataSize = 0;
        }
        Data = Metadata + dataOffset;
        Size = dataSize;
    }

    /// <summary>The CPU this ring belongs to (its index in the perf event array).</summary>
    internal int Cpu { get; }

    /// <summary>The perf event's descriptor (stored in the map, registered with epoll).</summary>
    internal int Fd => _event.Fd;

    /// <summary>The <c>struct perf_event_mmap_page</c>.</summary>
    internal byte* Metadata { get; }

    /// <summary>The first byte of the data area.</summary>
    internal byte* Data { get; }

    /// <summary>Size of the data area in bytes, a power of two.</summary>
    internal ulong Size { get; private set; }

    /// <summary><see cref="Size"/> - 1: masks a head or tail position into an offset.</summary>
    internal ulong Mask => Size - 1;

    /// <summary><c>data_head</c>, read with acquire semantics (pairs with the kernel's release store).</summary>
    internal ulong Head => Volatile.Read(ref *(ulong*)(Metadata + Libc.PerfPageDataHead));

    /// <summary><c>data_tail</c>: read plainly (only the reader writes it), written with release semantics.</summary>
    internal ulong Tail
    {
        get => *(ulong*)(Metadata + Libc.PerfPageDataTail);
        set => Volatile.Write(ref *(ulong*)(Metadata + Libc.PerfPageDataTail), value);
    }

    /// <summary>
    /// Opens the BPF output perf event for <paramref name="cpu"/> and maps its ring. Returns null when the CPU is offline (ENODEV).
    /// </summary>
    internal static PerfCpuRing? Open(int cpu, PerfBufferOptions options, int pageSize)
    {
        var attributes = new PerfEventAttributes
        {
            Type = PerfEventAttributes.TypeSoftware,
            Config = PerfEventAttributes.SoftwareBpfOutput,
            SampleType = PerfEventAttributes.SampleRaw,
            SamplePeriodOrFrequency = 1,
            Flags = PerfEventAttributes.FlagDisabled,
        };
        if (options.Overwritable)
        {
            attributes.Flags |= PerfEventAttributes.FlagWriteBackward;
        }
        else if (options.WakeupWatermarkBytes > 0)
        {
            attributes.Flags |= PerfEventAttributes.FlagWatermark;
            attributes.WakeupEventsOrWatermark = (uint)options.WakeupWatermarkBytes;
        }
        else
        {
            attributes.WakeupEventsOrWatermark = (uint)options.WakeupEvents;
        }

        int fd;
        try
        {
            fd = PerfEvents.Open(ref attributes, pid: -1, cpu, "BPF output (perf buffer)");
        }
        catch (BpfException e) when (e.Errno == Libc.ENODEV)
        {
            return null;
        }
        var perfEvent = new FileDescriptorHandle(fd);
        try
        {
            var length = (nuint)pageSize * (nuint)(options.PageCount + 1);
            // Read-only makes the kernel overwrite old data instead of stopping at data_tail.
            var protection = options.Overwritable ? Libc.PROT_READ : Libc.PROT_READ | Libc.PROT_WRITE;
            MemoryMappingHandle mapping;
            try
            {
                mapping = MemoryMappingHandle.Map(fd, length, protection, $"the perf ring of CPU {cpu}");
            }
            catch (BpfException e) when (e.Errno is Errno.EPERM or Errno.ENOMEM)
            {
                var message = $"{e.Message} Perf ring memory counts against /proc/sys/kernel/perf_event_mlock_kb per user (unless " +
                    $"CAP_IPC_LOCK) and RLIMIT_MEMLOCK: use fewer pages per CPU (PerfBufferOptions.PageCount, now {options.PageCount}).";
                throw e is BpfPermissionException ? new BpfPermissionException(message, e.Errno) : new BpfException(message, e.Errno, e);
            }
            var ring = new PerfCpuRing(cpu, perfEvent, mapping, pageSize);
            if (ring.Size == 0)
            {
                ring.Size = (ulong)pageSize * (ulong)options.PageCount;
            }
            return ring;
        }
        catch
        {
            perfEvent.Dispose();
            throw;
        }
    }

    /// <summary>Starts the event (<c>PERF_EVENT_IOC_ENABLE</c>).</summary>
    internal void Enable() => Ioctl(Libc.PERF_EVENT_IOC_ENABLE, 0, "enable");

    /// <summary>Stops (<paramref name="paused"/>) or resumes the kernel's writes into the ring (<c>PERF_EVENT_IOC_PAUSE_OUTPUT</c>).</summary>
    internal void PauseOutput(bool paused) => Ioctl(Libc.PERF_EVENT_IOC_PAUSE_OUTPUT, paused ? 1 : 0, paused ? "pause output" : "resume output");

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
