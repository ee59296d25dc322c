namespace Gadget.Bpf.Interop;

/// <summary>Opens perf events through the <c>perf_event_open</c> system call.</summary>
internal static unsafe class PerfEvents
{
    /// <summary>Opens a perf event; returns the fd or throws a typed exception.</summary>
    internal static int Open(ref PerfEventAttributes attributes, int pid, int cpu, string what)
    {
        attributes.Size = 136;
        fixed (PerfEventAttributes* attr = &attributes)
        {
            var fd = (int)Libc.syscall(LinuxAbi.Current.SysPerfEventOpen, attr, pid, cpu, -1, PerfAbi.PERF_FLAG_FD_CLOEXEC);
            if (fd < 0)
            {
                var errno = Errno.Last;
                throw Errno.ToException(errno, $"perf_event_open for {what} (cpu {cpu}, pid {pid})");
            }
            return fd;
        }
    }
}
