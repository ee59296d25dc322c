using System.Buffers.Binary;
using Gadget.Bpf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gadget.Containers;

/// <summary>
/// Finds <see cref="TaskStructOffsets"/> on kernels without BTF, by probing: a BPF program without CO-RE relocations
/// (bpf/containers_offsets.bpf.c, run with BPF_PROG_TEST_RUN so that the current task is the calling thread) copies windows of
/// kernel memory reachable from <c>bpf_get_current_task()</c>; the offsets are where the inode numbers of this process's mount and
/// UTS namespaces (known from <c>/proc/self/ns/*</c>) are found behind two pointers.
/// </summary>
public static class TaskOffsetProber
{
    private const string BpfObjectResource = "containers_offsets.bpf.o";
    private const int Window = 1024;
    private const int TaskStructScan = 12 * Window; // task_struct is 6-13 KiB depending on the configuration
    private const int NsproxyScan = 128;
    private const int NamespaceScan = 1024; // ns_common sits after new_utsname (390 bytes) in uts_namespace

    /// <summary>Probes the offsets; throws when no consistent set is found.</summary>
    /// <exception cref="InvalidOperationException">No offsets where both namespace inodes are found.</exception>
    public static TaskStructOffsets Probe(ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        var expectedMount = (uint)ProcessInspector.GetNamespaceId(Environment.ProcessId, "mnt");
        var expectedUts = (uint)ProcessInspector.GetNamespaceId(Environment.ProcessId, "uts");
        using var bpf = BpfObject.LoadEmbeddedResource(typeof(TaskOffsetProber).Assembly, BpfObjectResource, new BpfObjectOptions { Logger = logger });
        var program = bpf.Program("read_window");
        var bss = bpf.Maps.First(m => m.Name.EndsWith(".bss", StringComparison.Ordinal));
        var value = new byte[bss.ValueSize];
        var key = new byte[4];
        var context = new byte[32];
        var runs = 0;

        // The whole sequence runs on one thread: "current" must stay this thread (same namespaces as the process).
        bool Read(int depth, long offset0, long offset1, long start, int size, out ReadOnlySpan<byte> window)
        {
            BinaryPrimitives.WriteInt64LittleEndian(context, depth);
            BinaryPrimitives.WriteInt64LittleEndian(context.AsSpan(8), offset0);
            BinaryPrimitives.WriteInt64LittleEndian(context.AsSpan(16), offset1);
            BinaryPrimitives.WriteInt64LittleEndian(context.AsSpan(24), start);
            runs++;
            var failed = program.TestRun(context) != 0;
            bss.TryLookup(key, value);
            window = value.AsSpan(8, size); // after read_result
            return !failed;
        }

        var task = new byte[TaskStructScan];
        for (var start = 0; start < TaskStructScan; start += Window)
        {
            if (!Read(0, 0, 0, start, Window, out var chunk))
            {
                throw new InvalidOperationException($"Cannot read the current task_struct at +{start} with bpf_probe_read_kernel.");
            }
            chunk.CopyTo(task.AsSpan(start));
        }
        for (var nsproxy = 0; nsproxy + 8 <= TaskStructScan; nsproxy += 8)
        {
            if (!IsKernelPointer(BinaryPrimitives.ReadUInt64LittleEndian(task.AsSpan(nsproxy))) || !Read(1, nsproxy, 0, 0, NsproxyScan, out var proxy))
            {
                continue;
            }
            var proxyWords = proxy[..NsproxyScan].ToArray();
            int? mount = null, uts = null, mountInum = null, utsInum = null;
            for (var slot = 0; slot + 8 <= NsproxyScan && (mount is null || uts is null); slot += 8)
            {
                if (!IsKernelPointer(BinaryPrimitives.ReadUInt64LittleEndian(proxyWords.AsSpan(slot))) || !Read(2, nsproxy, slot, 0, NamespaceScan, out var ns))
                {
                    continue;
                }
                if (mount is null && Find(ns, expectedMount) is { } m)
                {
                    (mount, mountInum) = (slot, m);
                }
                else if (uts is null && Find(ns, expectedUts) is { } u)
                {
                    (uts, utsInum) = (slot, u);
                }
            }
            if (mount is not null && uts is not null)
            {
                var offsets = new TaskStructOffsets(nsproxy, mount.Value, uts.Value, mountInum!.Value, utsInum!.Value);
                logger.LogDebug("task_struct offsets probed in {Runs} BPF runs: {Offsets}", runs, offsets);
                return offsets;
            }
        }
        throw new InvalidOperationException($"No task_struct->nsproxy->{{mnt_ns,uts_ns}}->ns.inum offsets lead to this process's namespaces (mnt {expectedMount}, uts {expectedUts}); {runs} BPF runs.");
    }

    private static bool IsKernelPointer(ulong value) => value >= 0xffff800000000000UL && value != ulong.MaxValue && (value & 7) == 0;

    private static int? Find(ReadOnlySpan<byte> window, uint inode)
    {
        for (var offset = 0; offset + 4 <= window.Length; offset += 4)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(window[offset..]) == inode)
            {
                return offset;
            }
        }
        return null;
    }
}
