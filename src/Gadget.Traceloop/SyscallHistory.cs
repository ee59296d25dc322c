using System.Collections;

namespace Gadget.Traceloop;

/// <summary>
/// What a cgroup's ring holds: its syscalls, oldest first (see <see cref="TraceloopTracer.Dump"/>), the processes that
/// ended, and what the history does not hold: syscalls overwritten by newer ones, made before the ring existed, or that
/// the kernel could not write.
/// </summary>
public sealed class SyscallHistory : IReadOnlyList<SyscallRecord>
{
    private readonly IReadOnlyList<SyscallRecord> _syscalls;

    internal SyscallHistory(IReadOnlyList<SyscallRecord> syscalls, IReadOnlyList<ProcessExit> processExits, ulong recordingSinceNs,
        ulong completeSinceNs, IReadOnlyList<ulong> overwrittenPerCpu, ulong missedBeforeRecording, ulong notWritten)
    {
        _syscalls = syscalls;
        ProcessExits = processExits;
        RecordingSinceNs = recordingSinceNs;
        CompleteSinceNs = completeSinceNs;
        OverwrittenPerCpu = overwrittenPerCpu;
        MissedBeforeRecording = missedBeforeRecording;
        NotWritten = notWritten;
        foreach (var count in overwrittenPerCpu)
        {
            Overwritten += count;
        }
    }

    /// <summary>The processes that ended (their last thread exited), oldest first, within the history's time span.</summary>
    public IReadOnlyList<ProcessExit> ProcessExits { get; }

    /// <summary>When the ring started recording this cgroup (boot-time ns): the cgroup's first syscall when the kernel
    /// claimed a ring for a new cgroup, else when it was added.</summary>
    public ulong RecordingSinceNs { get; }

    /// <summary>From when on (boot-time ns) no recorded syscall is missing: <see cref="RecordingSinceNs"/> when nothing was
    /// overwritten, else the oldest time every CPU's ring still covers.</summary>
    public ulong CompleteSinceNs { get; }

    /// <summary>Syscalls recorded and then overwritten by newer ones, all CPUs (the ring is a flight recorder: it keeps the newest).</summary>
    public ulong Overwritten { get; }

    /// <summary>Syscalls overwritten in each CPU's ring (index: CPU number).</summary>
    public IReadOnlyList<ulong> OverwrittenPerCpu { get; }

    /// <summary>Syscalls the cgroup made before it had a ring (no spare ring was left when it started: see
    /// <see cref="TraceloopOptions.SpareRings"/>).</summary>
    public ulong MissedBeforeRecording { get; }

    /// <summary>Records the kernel could not write (the ring was paused while it was read).</summary>
    public ulong NotWritten { get; }

    /// <summary>Whether the history holds every syscall since <see cref="RecordingSinceNs"/>.</summary>
    public bool IsComplete => Overwritten == 0 && MissedBeforeRecording == 0 && NotWritten == 0;

    /// <inheritdoc />
    public int Count => _syscalls.Count;

    /// <inheritdoc />
    public SyscallRecord this[int index] => _syscalls[index];

    /// <summary>What the history does not hold, in one line (empty when it is complete), e.g.
    /// <c>1,234 older syscalls were overwritten (cpu0 1,000, cpu1 234); complete since 12.345678 s after boot</c>.</summary>
    public string DescribeGaps()
    {
        if (IsComplete)
        {
            return string.Empty;
        }
        var parts = new List<string>(3);
        var c = System.Globalization.CultureInfo.InvariantCulture;
        if (Overwritten > 0)
        {
            var perCpu = string.Join(", ", OverwrittenPerCpu.Select((n, cpu) => (n, cpu)).Where(x => x.n > 0).Select(x => string.Create(c, $"cpu{x.cpu} {x.n:N0}")));
            parts.Add(string.Create(c, $"{Overwritten:N0} older syscalls were overwritten ({perCpu}); complete since {CompleteSinceNs / 1e9:F6} s after boot"));
        }
        if (MissedBeforeRecording > 0)
        {
            parts.Add(string.Create(c, $"{MissedBeforeRecording:N0} syscalls were made before the cgroup had a ring (no spare ring was left)"));
        }
        if (NotWritten > 0)
        {
            parts.Add(string.Create(c, $"{NotWritten:N0} records could not be written (the ring was being read)"));
        }
        return string.Join("; ", parts);
    }

    /// <summary>The history from the first <c>execve</c> (or <c>execveat</c>) process <paramref name="processId"/> made on, when
    /// it holds one (what ran before in the cgroup, e.g. a runtime's or a shell's preparation, is left out, and so are the
    /// gaps before it); else all of it.</summary>
    internal SyscallHistory FromFirstExec(int processId)
    {
        var table = Decoding.SyscallCatalog.Current.Table;
        for (var i = 0; i < _syscalls.Count; i++)
        {
            var record = _syscalls[i];
            if (record.ProcessId == processId && table.GetName(record) is "execve" or "execveat")
            {
                if (i == 0 && CompleteSinceNs <= record.TimestampNs && MissedBeforeRecording == 0)
                {
                    return this;
                }
                // What was missed or overwritten before the exec is not part of this history: it is complete when the
                // ring held everything from the exec on.
                var whole = CompleteSinceNs <= record.TimestampNs;
                return new SyscallHistory(_syscalls.Skip(i).ToArray(), ProcessExits.Where(e => e.TimestampNs >= record.TimestampNs).ToArray(),
                    RecordingSinceNs, whole ? record.TimestampNs : CompleteSinceNs, whole ? new ulong[OverwrittenPerCpu.Count] : OverwrittenPerCpu,
                    missedBeforeRecording: 0, NotWritten);
            }
        }
        return this;
    }

    /// <inheritdoc />
    public IEnumerator<SyscallRecord> GetEnumerator() => _syscalls.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
