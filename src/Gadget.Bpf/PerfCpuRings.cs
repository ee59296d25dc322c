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
                using (var lease = map.Lease())
                {
                    result = LibBpf.bpf_map_update_elem(lease.Fd, &key, &value, 0);
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

    /// <summary>Deletes the rings' entries from the map, so the kernel stops writing to them (output then fails with ENOENT).</summary>
    internal static void RemoveFromMap(BpfMap map, IEnumerable<PerfCpuRing> rings)
    {
        int mapFd;
        try
        {
            mapFd = map.AddReference();
        }
        catch (ObjectDisposedException)
        {
            return; // the map is gone, and its entries with it
        }
        try
        {
            foreach (var ring in rings)
            {
                var key = (uint)ring.Cpu;
                _ = LibBpf.bpf_map_delete_elem(mapFd, &key);
            }
        }
        finally
        {
            map.ReleaseReference();
        }
    }
}
