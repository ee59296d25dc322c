using System.Numerics;
using Gadget.Bpf;
using Gadget.Traceloop.Bpf;
using Gadget.Traceloop.Rings;
using Microsoft.Extensions.Logging;

namespace Gadget.Traceloop;

/// <summary>
/// The syscall flight recorder: records every syscall of the cgroups (containers) it is given into that cgroup's own
/// overwritable ring in the kernel, and decodes a cgroup's history on demand with <see cref="Dump"/>.
/// </summary>
/// <remarks>
/// <para>Each recorded cgroup has its own ring (one perf buffer per CPU, <see cref="TraceloopOptions.PagesPerCpu"/> pages
/// each), so a noisy container only overwrites its own history. Processes of cgroups that are not recorded pay a check of
/// the CPU's cached verdict per syscall (a map lookup when the CPU last ran another cgroup).</para>
/// <para>While a <see cref="ContainerRecorder"/> follows (<see cref="Follow(Gadget.Containers.ContainerCollection, Gadget.Containers.ContainerSelector, int)"/>), a cgroup created after that gets a ring
/// in the kernel at its first syscall, from a pool of spare rings (<see cref="TraceloopOptions.SpareRings"/>) that the
/// tracer keeps filled: recording never waits for user space and no process is ever stopped. The recorder then keeps the
/// ring (a selected container) or lets it go. Several tracers (in this process or others) each have their own BPF
/// programs, maps and rings: none can delay another's recording.</para>
/// <para>Thread-safe.</para>
/// </remarks>
public sealed class TraceloopTracer : IDisposable, IAsyncDisposable
{
    internal const string ObjectResource = "traceloop.bpf.o";
    private const int MaxSyscallNumber = 512;
    private const int MaxBufferCapture = 256; // bpf/traceloop_captures.h: MAX_CAPTURE

    private readonly BpfObject _object;
    private readonly List<BpfLink> _links = [];
    private readonly RingKeeper _rings;
    private readonly int _pagesPerCpu;
    private readonly bool _exitTimestamps;
    private readonly ILogger? _logger;
    private int _disposed;

    private TraceloopTracer(TraceloopOptions options)
    {
        if (options.PagesPerCpu <= 0 || !BitOperations.IsPow2(options.PagesPerCpu))
        {
            throw new ArgumentException($"PagesPerCpu must be a power of two, not {options.PagesPerCpu}.", nameof(options));
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxContainers, nameof(options) + "." + nameof(options.MaxContainers));
        ArgumentOutOfRangeException.ThrowIfNegative(options.SpareRings, nameof(options) + "." + nameof(options.SpareRings));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.UnkeptRingTimeout, TimeSpan.Zero, nameof(options) + "." + nameof(options.UnkeptRingTimeout));
        if (options.BufferCaptureBytes is < 0 or > MaxBufferCapture)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.BufferCaptureBytes, $"BufferCaptureBytes must be 0 to {MaxBufferCapture}.");
        }
        _pagesPerCpu = options.PagesPerCpu;
        _exitTimestamps = options.ExitTimestamps;
        _logger = options.Logger;
        using (var spec = BpfObjectSpec.FromEmbeddedResource(typeof(TraceloopTracer).Assembly, ObjectResource, new BpfObjectOptions { Logger = options.Logger }))
        {
            RingPool.Size(spec, options.MaxContainers + options.SpareRings);
            // The table of known cgroups holds every ring's cgroup and the new ones noted at their creation: always more
            // entries than rings, so that a full one has a new cgroup to forget for a container to record (RingPool.Record).
            var cgroups = spec.Map("cgroups");
            cgroups.MaxEntries = Math.Max(options.KnownCgroups ?? cgroups.MaxEntries, options.MaxContainers + options.SpareRings + 1);
            // The inner maps' shape: one perf event per possible CPU (libbpf 1.1 does not size an inner perf array by itself).
            using var template = BpfMap.Create(BpfMapType.PerfEventArray, sizeof(uint), sizeof(uint), BpfEnvironment.PossibleCpuCount, "traceloop_tmpl");
            spec.Map("ring_pool").SetInnerMapTemplate(template);
            _object = spec.Load();
        }
        try
        {
            FillSpecs(_object.Map("syscall_specs"), options.CaptureSpecs ?? Decoding.SyscallCatalog.Current.GetCaptureSpecs, options.BufferCaptureBytes);
            _rings = new RingKeeper(_object, options);
            // tp_btf programs on the raw syscall tracepoints (bpf/syscall_regs.h): attached by BTF id, no tracefs needed.
            // Before the syscall hooks: they cache a verdict, pid and comm per task, which these end when a task is created,
            // moved to another cgroup or renamed (bpf/traceloop_rings.h, current_slot).
            _links.Add(_object.Program("traceloop_task_created").Attach());
            _links.Add(_object.Program("traceloop_task_moved").Attach());
            _links.Add(_object.Program("traceloop_task_renamed").Attach());
            _links.Add(_object.Program("traceloop_sys_enter").Attach());
            _links.Add(_object.Program("traceloop_sys_exit").Attach());
            _links.Add(_object.Program("traceloop_process_exit").Attach());
            _links.Add(_object.Program("traceloop_cgroup_rmdir").Attach());
            TraceloopMetrics.Register(this);
        }
        catch
        {
            BpfLink.DisposeAll(_links);
            _rings?.Dispose();
            _object.Dispose();
            throw;
        }
    }

    /// <summary>Loads the recorder into the kernel and attaches it to every syscall's entry and exit. Nothing is recorded until a cgroup is added or followed.</summary>
    /// <param name="options">Ring size, capacity, spare rings, capture specs; <c>null</c> for the defaults.</param>
    /// <exception cref="BpfException">The BPF object could not be loaded or attached (the message says why).</exception>
    public static TraceloopTracer Start(TraceloopOptions? options = null) => new(options ?? new TraceloopOptions());

    /// <summary>The cgroups that have a ring (recording, kept for their history, or claimed and not decided yet).</summary>
    public IReadOnlyCollection<ulong> Cgroups => _rings.Cgroups;

    /// <summary>Bytes of kernel memory one container's ring takes (all CPUs).</summary>
    public long BytesPerContainer => (long)_pagesPerCpu * Environment.SystemPageSize * BpfEnvironment.PossibleCpuCount;

    /// <summary>Records the BPF program could not write into the rings there are now (a ring was paused while it was read); they are missing from the histories.</summary>
    public ulong OutputErrors => _rings.NotWritten;

    /// <summary>Syscalls of new cgroups that were not recorded because no spare ring was left (since start, all cgroups);
    /// each history says how many of its own were missed (<see cref="SyscallHistory.MissedBeforeRecording"/>).</summary>
    public ulong MissedForEmptyPool => _rings.MissedForEmptyPool;

    /// <summary>Spare rings left in the kernel's pool for new cgroups (for the meter).</summary>
    internal int SpareRings => _rings.SpareRings;

    /// <summary>New cgroups the kernel's table of cgroups was too full to note (since start; the warning's count).</summary>
    internal long CgroupsNotNoted => _rings.CgroupsNotNoted;

    /// <summary><see cref="TraceloopOptions.ExitTimestamps"/>: the default of the recordings that do not choose.</summary>
    internal bool ExitTimestamps => _exitTimestamps;

    /// <summary>The logger of <see cref="TraceloopOptions.Logger"/>, for the recorders on this tracer.</summary>
    internal ILogger? Logger => _logger;

    /// <summary>Records the syscalls of cgroup <paramref name="cgroupId"/> into a ring of its own, and takes a reference on
    /// that ring: it lives until every <see cref="AddCgroup(ulong, int?)"/> was matched by a <see cref="RemoveCgroup(ulong)"/>.</summary>
    /// <param name="cgroupId">A cgroup2 id (see <see cref="CgroupId.FromPath"/>).</param>
    /// <param name="pagesPerCpu">This container's ring size in pages per CPU (a power of two); <c>null</c> for
    /// <see cref="TraceloopOptions.PagesPerCpu"/>. A ring the kernel already claimed for the cgroup keeps its size.</param>
    /// <returns><c>false</c> when the cgroup was already kept (it is recording again if it had been stopped).</returns>
    /// <exception cref="InvalidOperationException">Every ring is in use (<see cref="TraceloopOptions.MaxContainers"/>).</exception>
    /// <remarks>Exit timestamps as <see cref="TraceloopOptions.ExitTimestamps"/> says; release it with <see cref="RemoveCgroup(ulong)"/>.</remarks>
    public bool AddCgroup(ulong cgroupId, int? pagesPerCpu = null) => AddCgroup(cgroupId, pagesPerCpu, _exitTimestamps);

    /// <summary>
    /// <see cref="AddCgroup(ulong, int?)"/>, choosing for this reference whether the kernel reads the clock at the exit of
    /// every recorded syscall (<see cref="TraceloopOptions.ExitTimestamps"/> is then only the default of the other
    /// overloads). The cgroup has one ring, shared by every reference: it records every exit's time while at least one
    /// reference taken with <paramref name="exitTimestamps"/> <c>true</c> is held, from the next syscall on, and only the
    /// exits of calls whose thread was switched out once none is. Release it with <see cref="RemoveCgroup(ulong, bool)"/>
    /// and the same <paramref name="exitTimestamps"/>.
    /// </summary>
    /// <param name="cgroupId">A cgroup2 id (see <see cref="CgroupId.FromPath"/>).</param>
    /// <param name="pagesPerCpu">As for <see cref="AddCgroup(ulong, int?)"/>.</param>
    /// <param name="exitTimestamps">Every recorded syscall's <see cref="SyscallRecord.ExitTimestampNs"/>, while this reference is held.</param>
    /// <returns><c>false</c> when the cgroup was already kept (it is recording again if it had been stopped).</returns>
    /// <exception cref="InvalidOperationException">Every ring is in use (<see cref="TraceloopOptions.MaxContainers"/>).</exception>
    public bool AddCgroup(ulong cgroupId, int? pagesPerCpu, bool exitTimestamps)
    {
        if (pagesPerCpu is { } pages && (pages <= 0 || !BitOperations.IsPow2(pages)))
        {
            throw new ArgumentException($"pagesPerCpu must be a power of two, not {pages}.", nameof(pagesPerCpu));
        }
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var first = _rings.Keep(cgroupId, pagesPerCpu ?? _pagesPerCpu, exitTimestamps);
        if (first)
        {
            _logger?.LogDebug("Recording cgroup {CgroupId}.", cgroupId);
        }
        return first;
    }

    /// <summary>Stops recording cgroup <paramref name="cgroupId"/> but keeps its history readable until its ring is released.</summary>
    /// <returns><c>false</c> when the cgroup has no ring.</returns>
    public bool StopRecording(ulong cgroupId) => _disposed == 0 && _rings.Stop(cgroupId);

    /// <summary>Releases one reference on cgroup <paramref name="cgroupId"/>'s ring taken with <see cref="AddCgroup(ulong, int?)"/>
    /// (<see cref="TraceloopOptions.ExitTimestamps"/>'s choice); the last one stops recording and frees the ring and its history.</summary>
    /// <returns><c>false</c> when the cgroup has no ring.</returns>
    public bool RemoveCgroup(ulong cgroupId) => RemoveCgroup(cgroupId, _exitTimestamps);

    /// <summary>Releases one reference on cgroup <paramref name="cgroupId"/>'s ring taken with
    /// <see cref="AddCgroup(ulong, int?, bool)"/> and this <paramref name="exitTimestamps"/>; the last one stops recording and
    /// frees the ring and its history. When the last reference with exit timestamps goes and others remain, the ring's later
    /// records have an exit time only for calls whose thread was switched out.</summary>
    /// <returns><c>false</c> when the cgroup has no ring.</returns>
    public bool RemoveCgroup(ulong cgroupId, bool exitTimestamps) => _disposed == 0 && _rings.Release(cgroupId, exitTimestamps);

    /// <summary>Whether cgroup <paramref name="cgroupId"/> is being recorded now.</summary>
    public bool IsRecording(ulong cgroupId) => _disposed == 0 && _rings.IsRecording(cgroupId);

    /// <summary>
    /// Decodes what cgroup <paramref name="cgroupId"/>'s ring holds now: its syscalls, all threads merged and ordered by entry
    /// time, oldest first, each paired with its return, the processes that ended, and what the ring lost. Nothing is
    /// consumed: the ring keeps recording and can be dumped again.
    /// </summary>
    /// <remarks>
    /// <para>Syscalls that had not returned when the ring was read (blocked, or the thread or process died in them: the
    /// syscall that crashed or hung is often the last) have a <c>null</c> <see cref="SyscallRecord.ReturnValue"/>.</para>
    /// <para>When a CPU's ring has wrapped, the history starts where every CPU's ring still has records, so that it is
    /// contiguous up to the newest syscall; <see cref="SyscallHistory.Overwritten"/> says how many older syscalls each CPU's
    /// ring lost. Exits whose entry was overwritten are dropped: their arguments are unknown.</para>
    /// </remarks>
    /// <param name="cgroupId">The cgroup.</param>
    /// <param name="sinceTimestampNs">Only syscalls entered at or after this <c>CLOCK_BOOTTIME</c> timestamp (0: all).</param>
    /// <exception cref="KeyNotFoundException">The cgroup has no ring.</exception>
    public SyscallHistory Dump(ulong cgroupId, ulong sinceTimestampNs = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return _rings.Dump(cgroupId, sinceTimestampNs);
    }

    /// <summary>
    /// Records every container of <paramref name="collection"/> that matches <paramref name="selector"/>: those running now,
    /// and new ones from their first syscall (the kernel gives a new cgroup a spare ring at once; the recorder keeps it when
    /// the container is selected), and dumps a container's history when it crashes (<see cref="ContainerRecorder.ContainerCrashed"/>).
    /// Dispose the recorder to stop.
    /// </summary>
    /// <param name="collection">The containers to follow.</param>
    /// <param name="selector">Which ones to record; <see cref="Gadget.Containers.ContainerSelector.All"/> for all.</param>
    /// <param name="retainedExitedContainers">How many ended containers keep their history (the oldest is released first).</param>
    /// <remarks>Exit timestamps as <see cref="TraceloopOptions.ExitTimestamps"/> says.</remarks>
    public ContainerRecorder Follow(Gadget.Containers.ContainerCollection collection, Gadget.Containers.ContainerSelector selector, int retainedExitedContainers = 16) =>
        Follow(collection, selector, retainedExitedContainers, _exitTimestamps);

    /// <summary>
    /// <see cref="Follow(Gadget.Containers.ContainerCollection, Gadget.Containers.ContainerSelector, int)"/>, choosing whether
    /// the kernel reads the clock at the exit of every recorded syscall of this recorder's containers
    /// (<see cref="ContainerRecorder.ExitTimestamps"/>; see <see cref="AddCgroup(ulong, int?, bool)"/>): one tracer serves
    /// recorders of both kinds. A new container is recorded so from its first syscall while such a recorder follows.
    /// </summary>
    /// <param name="collection">The containers to follow.</param>
    /// <param name="selector">Which ones to record; <see cref="Gadget.Containers.ContainerSelector.All"/> for all.</param>
    /// <param name="retainedExitedContainers">How many ended containers keep their history (the oldest is released first).</param>
    /// <param name="exitTimestamps">Every recorded syscall's <see cref="SyscallRecord.ExitTimestampNs"/>.</param>
    public ContainerRecorder Follow(Gadget.Containers.ContainerCollection collection, Gadget.Containers.ContainerSelector selector, int retainedExitedContainers, bool exitTimestamps)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentOutOfRangeException.ThrowIfNegative(retainedExitedContainers);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return new ContainerRecorder(this, collection, selector, retainedExitedContainers, exitTimestamps);
    }

    internal void AddFollower(ContainerRecorder recorder) => _rings.AddFollower(recorder, recorder.ExitTimestamps);

    internal void RemoveFollower(ContainerRecorder recorder)
    {
        if (_disposed == 0)
        {
            _rings.RemoveFollower(recorder);
        }
    }

    /// <summary>A follower does not record <paramref name="cgroupId"/>: the ring the kernel claimed for it goes once no follower wants it.</summary>
    internal void Decline(ulong cgroupId, ContainerRecorder recorder)
    {
        if (_disposed == 0)
        {
            _rings.Decline(cgroupId, recorder);
        }
    }

    private static void FillSpecs(BpfMap map, Func<int, IReadOnlyList<ArgumentCaptureSpec>?> specs, int bufferCaptureBytes)
    {
        // struct syscall_spec of struct arg_spec, as generated from the object's BTF (the map's value type).
        var typed = map.As<uint, SyscallSpec>();
        for (var nr = 0; nr < MaxSyscallNumber; nr++)
        {
            var list = specs(nr);
            if (list is null)
            {
                continue;
            }
            var value = default(SyscallSpec);
            var args = value.Args;
            var any = false;
            for (var i = 0; i < Math.Min(args.Length, list.Count); i++)
            {
                var spec = list[i];
                if (spec.Kind == ArgumentCapture.None)
                {
                    continue;
                }
                any = true;
                args[i] = new ArgSpec
                {
                    Kind = (byte)spec.Kind,
                    LengthArg = (sbyte)Math.Clamp(spec.LengthArgument, -1, args.Length - 1),
                    // A data buffer's fixed_size is how many of its bytes the BPF side reads at most.
                    FixedSize = spec.Kind is ArgumentCapture.BufferIn or ArgumentCapture.BufferOut
                        ? (ushort)bufferCaptureBytes
                        : (ushort)Math.Clamp(spec.FixedSize, 0, 256),
                };
            }
            if (any)
            {
                typed.Update((uint)nr, value);
            }
        }
    }

    /// <summary>Detaches the recorder and frees every ring.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        TraceloopMetrics.Unregister(this);
        BpfLink.DisposeAll(_links);
        _rings.Dispose();
        _object.Dispose();
    }

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
