using Gadget.Bpf;

namespace Gadget.Traceloop.Rings;

/// <summary>
/// The file descriptors a ring costs (a perf buffer per CPU and its map) against the process's open-file limit: a ring is
/// made only while <see cref="ReservedDescriptors"/> stay free for the rest of the process.
/// </summary>
internal static class RingDescriptorBudget
{
    /// <summary>Descriptors a new ring must leave free below the open-file limit, for the runtime's threads and files.</summary>
    internal const int ReservedDescriptors = 64;

    /// <summary>
    /// A new ring for <paramref name="slot"/>, unless making it would leave the process fewer than
    /// <see cref="ReservedDescriptors"/> descriptors below its open-file limit. A ring holds one per CPU and one for its map:
    /// on a machine with many CPUs a few dozen containers can reach a limit of a few thousand, and a process that has no
    /// descriptor left cannot even start a thread (.NET then ends it). Refused, the cgroup is counted, not recorded, and
    /// the tracer goes on.
    /// </summary>
    /// <exception cref="BpfException">Not enough descriptors left (errno EMFILE), or the kernel refused the ring.</exception>
    internal static CgroupRing NewRing(uint slot, int pagesPerCpu)
    {
        var needed = BpfEnvironment.PossibleCpuCount + 1;
        var limit = OpenFileLimit.Read();
        if (limit.Headroom < needed + ReservedDescriptors)
        {
            throw new BpfException(
                $"traceloop did not make another ring: a ring needs {needed} file descriptors (a perf buffer per CPU and its map), " +
                $"{ReservedDescriptors} are kept for the rest of the process, and {limit}. Raise the limit ('ulimit -n', " +
                "LimitNOFILE= in a systemd unit, the container runtime's nofile ulimit) or lower TraceloopOptions.MaxContainers.",
                Errno.EMFILE);
        }
        return new CgroupRing(slot, pagesPerCpu);
    }
}
