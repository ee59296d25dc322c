using Gadget.Bpf;
using Gadget.Containers;
using Microsoft.Extensions.Logging;
using ProcessEntryRecord = Gadget.Gadgets.Bpf.SnapshotProcess.ProcessEntry;

namespace Gadget.Gadgets;

/// <summary>
/// Lists the processes running right now (ig's <c>snapshot process</c>): a BPF task iterator (<c>iter/task</c>, Linux 5.8)
/// walks the kernel's tasks and reports each one's ids, credentials, parent, name, cgroup and start time, filtered in the
/// kernel by container selection like the other gadgets. Loaded once by <see cref="Start"/>; each <see cref="Take"/> runs
/// the iterator again.
/// </summary>
/// <example>
/// <code>
/// using var snapshot = ProcessSnapshot.Start(new GadgetOptions { Containers = containers, Selector = ContainerSelector.All });
/// foreach (var p in snapshot.Take()) Console.WriteLine($"{p.Container?.Name} {p.Pid} {p.Comm}");
/// </code>
/// </example>
public sealed class ProcessSnapshot : IDisposable
{
    private readonly BpfObject _object;
    private readonly BpfLink _link;
    private readonly ContainerSelection? _selection;
    private readonly GadgetOptions _options;
    private int _disposed;

    private ProcessSnapshot(BpfObject bpf, BpfLink link, ContainerSelection? selection, GadgetOptions options)
    {
        _object = bpf;
        _link = link;
        _selection = selection;
        _options = options;
    }

    /// <summary>Loads the iterator program (nothing runs until <see cref="Take"/>).</summary>
    /// <param name="options">The containers to list (null selector: every process on the host) and how to resolve them.</param>
    /// <param name="snapshotOptions">Whether threads are listed too (default: processes only).</param>
    /// <exception cref="ArgumentException"><see cref="GadgetOptions.Selector"/> is set without <see cref="GadgetOptions.Containers"/>.</exception>
    /// <exception cref="BpfException">Loading or attaching failed (e.g. a kernel without task iterators, before 5.8).</exception>
    public static ProcessSnapshot Start(GadgetOptions options, ProcessSnapshotOptions? snapshotOptions = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Selector is not null && options.Containers is null)
        {
            throw new ArgumentException("A container selector needs GadgetOptions.Containers (the collection that resolves it).", nameof(options));
        }
        var selection = options.Selector is { } selector ? options.Containers!.Select(selector) : null;
        BpfObject? bpf = null;
        try
        {
            using (var spec = BpfObjectSpec.FromEmbeddedResource(typeof(ProcessSnapshot).Assembly, "snapshot_process.bpf.o", new BpfObjectOptions { Logger = options.Logger }))
            {
                if (selection is not null)
                {
                    spec.SetGlobal("filter_by_cgroup", true);
                    spec.Map("selected_cgroups").ReuseMap(selection.CgroupIds);
                }
                if (snapshotOptions?.Threads == true)
                {
                    spec.SetGlobal("include_threads", true);
                }
                bpf = spec.Load();
            }
            var link = bpf.Program("snapshot_process").AttachIterator();
            options.Logger?.LogDebug("snapshot_process.bpf.o: iterator attached, selector {Selector}", (object?)options.Selector ?? "host");
            return new ProcessSnapshot(bpf, link, selection, options);
        }
        catch
        {
            bpf?.Dispose();
            selection?.Dispose();
            throw;
        }
    }

    /// <summary>Runs the iterator: the processes (and threads, if asked) of the selected containers now, in the kernel's task order.</summary>
    /// <exception cref="ObjectDisposedException">The snapshot was disposed.</exception>
    public IReadOnlyList<ProcessSnapshotEntry> Take()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        using var buffer = new MemoryStream();
        using (var stream = _link.OpenIterator())
        {
            stream.CopyTo(buffer);
        }
        return Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), _options.Containers);
    }

    /// <summary>The entries in the iterator's output: whole <c>struct process_entry</c> records, one after the other.</summary>
    internal static List<ProcessSnapshotEntry> Parse(ReadOnlySpan<byte> output, ContainerCollection? containers = null)
    {
        if (output.Length % ProcessEntryRecord.Size != 0)
        {
            throw new InvalidDataException($"The process iterator wrote {output.Length} bytes, not a whole number of {ProcessEntryRecord.Size}-byte records.");
        }
        var entries = new List<ProcessSnapshotEntry>(output.Length / ProcessEntryRecord.Size);
        for (var offset = 0; offset < output.Length; offset += ProcessEntryRecord.Size)
        {
            ref var r = ref RecordView.Of<ProcessEntryRecord>(output.Slice(offset, ProcessEntryRecord.Size));
            entries.Add(new ProcessSnapshotEntry
            {
                Pid = (int)r.Proc.Pid,
                Tid = (int)r.Proc.Tid,
                ParentPid = (int)r.Proc.Ppid,
                Uid = (int)r.Proc.Uid,
                Gid = (int)r.Proc.Gid,
                Comm = RecordText.Decode(r.Proc.Comm),
                ParentComm = RecordText.Decode(r.Proc.Pcomm),
                StartTime = BootClock.ToUtc(r.StartBoottime),
                CgroupId = r.CgroupId,
                Container = r.CgroupId == 0 ? null : containers?.GetByCgroupId(r.CgroupId),
            });
        }
        return entries;
    }

    /// <summary>Detaches the iterator, unloads the program and releases the selection.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _link.Dispose();
        _object.Dispose();
        _selection?.Dispose();
    }
}
