using System.Collections.Concurrent;
using System.Numerics;
using System.Reflection;
using Gadget.Bpf;
using Microsoft.Extensions.Logging;

namespace Gadget.Traceloop;

/// <summary>
/// The syscall flight recorder: records every syscall of the cgroups (containers) added to it into that cgroup's own
/// overwritable ring in the kernel, and decodes a cgroup's history on demand with <see cref="Dump"/>.
/// </summary>
/// <remarks>
/// Each traced cgroup gets its own ring (one perf buffer per CPU, <see cref="TraceloopOptions.PagesPerCpu"/> pages each), so a
/// noisy container only overwrites its own history. Processes of cgroups that are not traced pay one BPF map lookup per syscall.
/// Thread-safe.
/// </remarks>
public sealed class TraceloopTracer : IDisposable, IAsyncDisposable
{
    internal const string ObjectResource = "traceloop.bpf.o";
    private const int MaxSyscallNumber = 512;

    private readonly BpfObject _object;
    private readonly BpfMap<ulong, uint> _cgroupRings;
    private readonly List<BpfLink> _links = [];
    private readonly ConcurrentDictionary<ulong, CgroupRing> _rings = new();
    private readonly Lock _gate = new();
    private readonly int _pagesPerCpu;
    private readonly ILogger? _logger;
    private bool _disposed;

    private TraceloopTracer(TraceloopOptions options)
    {
        if (options.PagesPerCpu <= 0 || !BitOperations.IsPow2(options.PagesPerCpu))
        {
            throw new ArgumentException($"PagesPerCpu must be a power of two, not {options.PagesPerCpu}.", nameof(options));
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxContainers, nameof(options) + "." + nameof(options.MaxContainers));
        _pagesPerCpu = options.PagesPerCpu;
        _logger = options.Logger;
        BpfEnvironment.EnsureTracefs();
        _object = BpfObject.FromEmbeddedResource(typeof(TraceloopTracer).Assembly, ObjectResource);
        try
        {
            var rings = _object.Map("cgroup_rings");
            rings.SetMaxEntries(options.MaxContainers);
            // The inner maps' shape: one perf event per possible CPU (libbpf 1.1 does not size an inner perf array by itself).
            using (var template = BpfMap.Create(BpfMapType.PerfEventArray, sizeof(uint), sizeof(uint), BpfEnvironment.PossibleCpuCount, "traceloop_tmpl"))
            {
                rings.SetInnerMap(template);
                _object.Load();
            }
            _cgroupRings = _object.Map("cgroup_rings").As<ulong, uint>();
            FillSpecs(_object.Map("syscall_specs"), options.CaptureSpecs ?? Decoding.SyscallCatalog.Current.GetCaptureSpecs);
            _links.Add(_object.Program("traceloop_sys_enter").AttachTracepoint("raw_syscalls", "sys_enter"));
            _links.Add(_object.Program("traceloop_sys_exit").AttachTracepoint("raw_syscalls", "sys_exit"));
        }
        catch
        {
            foreach (var link in _links)
            {
                link.Dispose();
            }
            _object.Dispose();
            throw;
        }
    }

    /// <summary>Loads the recorder into the kernel and attaches it to every syscall's entry and exit. Nothing is recorded until a cgroup is added.</summary>
    /// <param name="options">Ring size, capacity, capture specs; <c>null</c> for the defaults.</param>
    /// <exception cref="BpfException">The BPF object could not be loaded or attached (the message says why).</exception>
    public static TraceloopTracer Start(TraceloopOptions? options = null) => new(options ?? new TraceloopOptions());

    /// <summary>The cgroups that have a ring (recording or kept for their history).</summary>
    public IReadOnlyCollection<ulong> Cgroups => [.. _rings.Keys];

    /// <summary>Bytes of kernel memory one container's ring takes (all CPUs).</summary>
    public long BytesPerContainer => (long)_pagesPerCpu * Environment.SystemPageSize * BpfEnvironment.PossibleCpuCount;

    /// <summary>Records the BPF program could not write (a ring was paused while it was read); they are missing from the histories.</summary>
    public ulong OutputErrors => _object.GetGlobal<ulong>("output_errors");

    /// <summary>Starts recording the syscalls of cgroup <paramref name="cgroupId"/> into a new ring of its own.</summary>
    /// <param name="cgroupId">A cgroup2 id (see <see cref="CgroupId.FromPath"/>).</param>
    /// <param name="pagesPerCpu">This container's ring size in pages per CPU (a power of two); <c>null</c> for <see cref="TraceloopOptions.PagesPerCpu"/>.</param>
    /// <returns><c>false</c> when the cgroup already has a ring (it is recording again if it had been stopped).</returns>
    public bool AddCgroup(ulong cgroupId, int? pagesPerCpu = null)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_rings.TryGetValue(cgroupId, out var existing))
            {
                if (!existing.Recording)
                {
                    _cgroupRings.Update(cgroupId, (uint)existing.MapFileDescriptor);
                    existing.Recording = true;
                }
                return false;
            }
            var ring = new CgroupRing(cgroupId, pagesPerCpu ?? _pagesPerCpu);
            try
            {
                _cgroupRings.Update(cgroupId, (uint)ring.MapFileDescriptor);
            }
            catch
            {
                ring.Dispose();
                throw;
            }
            _rings[cgroupId] = ring;
            _logger?.LogDebug("Recording cgroup {CgroupId} ({Pages} pages per CPU).", cgroupId, pagesPerCpu ?? _pagesPerCpu);
            return true;
        }
    }

    /// <summary>Stops recording cgroup <paramref name="cgroupId"/> but keeps its history readable until <see cref="RemoveCgroup"/>.</summary>
    /// <returns><c>false</c> when the cgroup has no ring.</returns>
    public bool StopRecording(ulong cgroupId)
    {
        lock (_gate)
        {
            if (_disposed || !_rings.TryGetValue(cgroupId, out var ring))
            {
                return false;
            }
            _cgroupRings.Delete(cgroupId);
            ring.Recording = false;
            return true;
        }
    }

    /// <summary>Stops recording cgroup <paramref name="cgroupId"/> and frees its ring and history.</summary>
    /// <returns><c>false</c> when the cgroup has no ring.</returns>
    public bool RemoveCgroup(ulong cgroupId)
    {
        lock (_gate)
        {
            if (_disposed || !_rings.TryRemove(cgroupId, out var ring))
            {
                return false;
            }
            _cgroupRings.Delete(cgroupId);
            ring.Dispose();
            _logger?.LogDebug("Released the ring of cgroup {CgroupId}.", cgroupId);
            return true;
        }
    }

    /// <summary>Whether cgroup <paramref name="cgroupId"/> is being recorded now.</summary>
    public bool IsRecording(ulong cgroupId) => _rings.TryGetValue(cgroupId, out var ring) && ring.Recording;

    /// <summary>
    /// Decodes what cgroup <paramref name="cgroupId"/>'s ring holds now: its syscalls, all threads merged and ordered by entry
    /// time, oldest first, each paired with its return. Nothing is consumed: the ring keeps recording and can be dumped again.
    /// </summary>
    /// <remarks>
    /// <para>Syscalls that had not returned when the ring was read (blocked, or the thread or process died in them: the
    /// syscall that crashed or hung is often the last) have a <c>null</c> <see cref="SyscallRecord.ReturnValue"/>.</para>
    /// <para>When a CPU's ring has wrapped, the history starts where every CPU's ring still has records, so that it is
    /// contiguous up to the newest syscall. Exits whose entry was overwritten are dropped: their arguments are unknown.</para>
    /// </remarks>
    /// <param name="cgroupId">The cgroup.</param>
    /// <param name="sinceTimestampNs">Only syscalls entered at or after this <c>CLOCK_BOOTTIME</c> timestamp (0: all).</param>
    /// <exception cref="KeyNotFoundException">The cgroup has no ring.</exception>
    public IReadOnlyList<SyscallRecord> Dump(ulong cgroupId, ulong sinceTimestampNs = 0)
    {
        if (!_rings.TryGetValue(cgroupId, out var ring))
        {
            throw new KeyNotFoundException($"cgroup {cgroupId} is not traced by this traceloop tracer.");
        }
        return ring.Dump(sinceTimestampNs);
    }

    /// <summary>
    /// Records every container of <paramref name="collection"/> that matches <paramref name="selector"/> (those running now, and
    /// new ones from before their first syscall), and dumps a container's history when it crashes
    /// (<see cref="ContainerRecorder.ContainerCrashed"/>). Dispose the recorder to stop.
    /// </summary>
    /// <param name="collection">The containers to follow.</param>
    /// <param name="selector">Which ones to record; <see cref="Gadget.Containers.ContainerSelector.All"/> for all.</param>
    /// <param name="retainedExitedContainers">How many ended containers keep their history (the oldest is released first).</param>
    public ContainerRecorder Follow(Gadget.Containers.ContainerCollection collection, Gadget.Containers.ContainerSelector selector, int retainedExitedContainers = 16)
    {
        ArgumentNullException.ThrowIfNull(collection);
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentOutOfRangeException.ThrowIfNegative(retainedExitedContainers);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new ContainerRecorder(this, collection, selector, retainedExitedContainers);
    }

    private static void FillSpecs(BpfMap map, Func<int, IReadOnlyList<ArgumentCaptureSpec>?> specs)
    {
        Span<byte> key = stackalloc byte[4];
        Span<byte> value = stackalloc byte[24];
        for (var nr = 0; nr < MaxSyscallNumber; nr++)
        {
            var list = specs(nr);
            if (list is null)
            {
                continue;
            }
            value.Clear();
            var any = false;
            for (var i = 0; i < Math.Min(6, list.Count); i++)
            {
                var spec = list[i];
                if (spec.Kind == ArgumentCapture.None)
                {
                    continue;
                }
                any = true;
                value[4 * i] = (byte)spec.Kind;
                value[4 * i + 1] = (byte)(sbyte)Math.Clamp(spec.LengthArgument, -1, 5);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(value[(4 * i + 2)..], (ushort)Math.Clamp(spec.FixedSize, 0, 256));
            }
            if (any)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(key, nr);
                map.Update(key, value);
            }
        }
    }

    /// <summary>Detaches the recorder and frees every ring.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        foreach (var link in _links)
        {
            link.Dispose();
        }
        foreach (var ring in _rings.Values)
        {
            ring.Dispose();
        }
        _rings.Clear();
        _object.Dispose();
    }

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
