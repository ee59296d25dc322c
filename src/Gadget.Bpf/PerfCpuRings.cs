using System.Numerics;
using Gadget.Bpf.Interop;
using Microsoft.Extensions.Logging;

namespace Gadget.Bpf;

/// <summary>
/// What <see cref="PerfBufferReader"/> and <see cref="PerfFlightRecorder"/> share to set up a perf event array: one BPF
/// output perf event per online CPU, its ring mapped and stored in the map at the CPU's index (so that
/// <c>bpf_perf_event_output(ctx, &amp;map, BPF_F_CURRENT_CPU, ...)</c> writes there), and removed from the map again.
/// </summary>
internal static unsafe class PerfCpuRings
{
    /// <summary>
    /// Which ring holds each slot of a perf event array, as this process stored them: (the map's kernel id, CPU) to the ring
    /// stored last. A newer reader of the same map replaces an older one's entries; the older one, disposed, must then not
    /// delete them (the newer reader would get nothing more, silently).
    /// </summary>
    private static readonly Dictionary<(uint MapId, int Cpu), PerfCpuRing> Holders = [];
    private static readonly Lock HoldersGate = new();

    /// <summary>Checks the map's type and the page count, the same way for both readers.</summary>
    /// <exception cref="ArgumentException">The map is not a perf event array, or the page count is not a power of two.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The page count is too large for one mapping.</exception>
    /// <param name="map">The map to read.</param>
    /// <param name="reader">The reader's type name, for messages.</param>
    /// <param name="pageCount">Data pages per CPU.</param>
    /// <param name="pageCountName">What the page count is called (<c>PerfBufferOptions.PageCount</c>), for messages.</param>
    /// <param name="parameterName">The parameter that carries it.</param>
    internal static void Validate(BpfMap map, string reader, int pageCount, string pageCountName, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (map.Type != BpfMapType.PerfEventArray)
        {
            throw new ArgumentException($"Map '{map.Name}' is a {map.Type} map; a {reader} needs a {nameof(BpfMapType.PerfEventArray)} map.", nameof(map));
        }
        if (pageCount <= 0 || !BitOperations.IsPow2(pageCount))
        {
            throw new ArgumentException($"{pageCountName} must be a power of two (1, 2, 4, ...), not {pageCount}.", parameterName);
        }
        // Each CPU's mapping (data pages + one metadata page) is sized with 32-bit arithmetic downstream: at most 2 GiB.
        var maxPages = (int)(BitOperations.RoundUpToPowerOf2((uint)(int.MaxValue / Environment.SystemPageSize)) / 2);
        if (pageCount > maxPages)
        {
            throw new ArgumentOutOfRangeException(parameterName,
                $"{pageCountName} is {pageCount}: at most {maxPages} pages ({((long)maxPages * Environment.SystemPageSize) >> 20} MiB) per CPU fit.");
        }
    }

    /// <summary>
    /// Opens a ring per CPU (up to the map's size), stores each in the map and enables it. CPUs that are offline are
    /// skipped and listed in <paramref name="offlineCpus"/>. On failure, whatever was done is undone.
    /// </summary>
    /// <exception cref="BpfException">A perf event could not be opened, mapped or stored in the map; the message says which CPU.</exception>
    internal static PerfCpuRing[] Open(
        BpfMap map, int pageCount, bool backward, int wakeupEvents, int wakeupWatermarkBytes, out IReadOnlyList<int> offlineCpus)
    {
        ObjectDisposedException.ThrowIf(map.IsDisposed, map);
        var mapId = map.Id;
        var pageSize = Libc.getpagesize();
        var cpuCount = BpfEnvironment.PossibleCpuCount;
        if (map.MaxEntries > 0 && map.MaxEntries < cpuCount)
        {
            cpuCount = map.MaxEntries;
        }
        var rings = new List<PerfCpuRing>(cpuCount);
        var skipped = new List<int>();
        try
        {
            for (var cpu = 0; cpu < cpuCount; cpu++)
            {
                var ring = PerfCpuRing.Open(cpu, pageCount, backward, wakeupEvents, wakeupWatermarkBytes, pageSize);
                if (ring is null)
                {
                    skipped.Add(cpu);
                    continue;
                }
                rings.Add(ring);
                var key = (uint)cpu;
                var value = (uint)ring.Fd;
                int result;
                lock (HoldersGate)
                {
                    using (var lease = map.Lease())
                    {
                        result = LibBpf.bpf_map_update_elem(lease.Fd, &key, &value, 0);
                    }
                    if (result >= 0)
                    {
                        ring.MapId = mapId;
                        Holders[(mapId, cpu)] = ring;
                    }
                }
                if (result < 0)
                {
                    throw Errno.ToException(result, $"store the perf event of CPU {cpu} in map '{map.Name}'");
                }
                ring.Enable();
            }
            if (rings.Count == 0)
            {
                throw new BpfException($"No CPU could get a perf ring for map '{map.Name}': all {cpuCount} CPUs are offline.", LinuxErrno.ENODEV);
            }
        }
        catch
        {
            RemoveFromMap(map, rings);
            foreach (var ring in rings)
            {
                ring.Dispose();
            }
            throw;
        }
        if (skipped.Count > 0)
        {
            map.Logger?.LogInformation(
                "Perf rings for map '{Map}': skipped offline CPUs {Cpus} (perf_event_open gave ENODEV).", map.Name, string.Join(",", skipped));
        }
        offlineCpus = skipped.AsReadOnly();
        return rings.ToArray();
    }

    /// <summary>
    /// Deletes the rings' entries from the map, so the kernel stops writing to them (output then fails with ENOENT); a slot
    /// that a newer reader of the same map holds now is left alone.
    /// </summary>
    internal static void RemoveFromMap(BpfMap map, IEnumerable<PerfCpuRing> rings)
    {
        var mapFd = -1;
        try
        {
            mapFd = map.AddReference();
        }
        catch (ObjectDisposedException)
        {
            // The map's descriptor is gone, and the entries stored through it with it: only forget them.
        }
        try
        {
            lock (HoldersGate)
            {
                foreach (var ring in rings)
                {
                    if (!Holders.TryGetValue((ring.MapId, ring.Cpu), out var holder) || holder != ring)
                    {
                        continue; // never stored, or replaced by a newer reader's ring
                    }
                    Holders.Remove((ring.MapId, ring.Cpu));
                    if (mapFd >= 0)
                    {
                        var key = (uint)ring.Cpu;
                        _ = LibBpf.bpf_map_delete_elem(mapFd, &key);
                    }
                }
            }
        }
        finally
        {
            if (mapFd >= 0)
            {
                map.ReleaseReference();
            }
        }
    }
}
