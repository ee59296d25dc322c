using System.Runtime.CompilerServices;
using Gadget.Bpf;
using Gadget.Containers;
using Microsoft.Extensions.Logging;

namespace Gadget.Gadgets;

/// <summary>
/// The machinery every gadget shares: loads the gadget's embedded BPF object, wires the in-kernel container filter
/// (<c>filter_by_cgroup</c> + <c>selected_cgroups</c> reusing a <see cref="ContainerSelection"/>'s map, see
/// bpf/gadget_filter.h), attaches its programs and reads its <c>events</c> ring buffer.
/// </summary>
internal sealed class GadgetRuntime : IDisposable
{
    private readonly List<BpfLink> _links = [];
    private readonly List<IDisposable> _owned = [];
    private readonly ContainerSelection? _selection;
    private readonly RecentContainers? _recent;
    private IDisposable? _source;
    // A wake-up this soon after the last read finds the reader busy (see GadgetOptions.BatchDelay).
    private const long BusyMilliseconds = 100;

    // A ring buffer record's header; the size of a dropped record assumed at least (the gadgets' records are smaller,
    // but for exec's, which are up to ~2.7 KiB; a larger one seen is taken instead).
    private const int RecordHeader = 8;

    /// <summary>The size of a dropped record (with its header) assumed at least, whatever the records read so far.</summary>
    internal const int MinMaxRecord = 4096;

    private LostEventsCounter _lost = null!;
    private ulong _reportedLost;
    private long _lastLostCheck;
    private int _ringBytes;
    private int _disposed;

    private GadgetRuntime(ContainerSelection? selection, GadgetOptions options, string name, bool resolvesCgroups)
    {
        Name = name;
        _selection = selection;
        Options = options;
        _recent = resolvesCgroups && options.Containers is { } containers ? new RecentContainers(containers) : null;
    }

    /// <summary>The gadget's name (its object's, without <c>.bpf.o</c>): the <c>gadget</c> tag of its metrics.</summary>
    public string Name { get; }

    /// <summary>The options the gadget started with.</summary>
    public GadgetOptions Options { get; }

    /// <summary>Reads the object's <c>events</c> ring buffer.</summary>
    public RingBufferReader Reader { get; private set; } = null!;

    /// <summary>The strings of the short texts (task names, ...) already decoded: for the one reader of the gadget's records.</summary>
    public RecordTexts Texts { get; } = new();

    /// <summary>The gadget that owns this runtime: the sender of <see cref="EventsLost"/>.</summary>
    public object? Owner { get; set; }

    /// <summary>Raised by <see cref="ReadAsync{T}"/>, on its thread, when the kernel's lost-events counter has grown.</summary>
    public event EventHandler<EventsLostEventArgs>? EventsLost;

    /// <summary>
    /// Loads <paramref name="objectName"/> (an embedded resource of this assembly), applies the selection,
    /// lets <paramref name="configure"/> set the gadget's own globals (on the object's spec, before load), loads and attaches every program.
    /// </summary>
    public static GadgetRuntime Start(string objectName, GadgetOptions options, Action<BpfObjectSpec>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Selector is not null && options.Containers is null)
        {
            throw new ArgumentException("A container selector needs GadgetOptions.Containers (the collection that resolves it).", nameof(options));
        }
        ValidateRingBufferSize(options.RingBufferSize);
        var selection = options.Selector is { } selector ? options.Containers!.Select(selector) : null;
        BpfObject? bpf = null;
        GadgetRuntime? runtime = null;
        try
        {
            using (var spec = BpfObjectSpec.FromEmbeddedResource(typeof(GadgetRuntime).Assembly, objectName, new BpfObjectOptions { Logger = options.Logger }))
            {
                if (selection is not null)
                {
                    spec.SetGlobal("filter_by_cgroup", true);
                    spec.Map("selected_cgroups").ReuseMap(selection.CgroupIds);
                }
                if (options.RingBufferSize != 0)
                {
                    spec.Map("events").MaxEntries = options.RingBufferSize;
                }
                configure?.Invoke(spec);
                bpf = spec.Load();
            }
            runtime = new GadgetRuntime(selection, options, objectName.Replace(".bpf.o", string.Empty, StringComparison.Ordinal), resolvesCgroups: true);
            runtime._owned.Add(bpf);
            runtime._lost = new LostEventsCounter(bpf); // before attaching: it probes the .bss
            foreach (var program in bpf.Programs)
            {
                runtime._links.Add(program.Attach());
            }
            runtime.Reader = new RingBufferReader(bpf.Map("events"));
            runtime._ringBytes = bpf.Map("events").MaxEntries;
            options.Logger?.LogDebug("{Gadget}: attached {Count} programs, selector {Selector}", objectName, bpf.Programs.Count, (object?)options.Selector ?? "host");
            return runtime;
        }
        catch
        {
            if (runtime is not null)
            {
                runtime.Dispose();
            }
            else
            {
                bpf?.Dispose();
                selection?.Dispose();
            }
            throw;
        }
    }

    /// <summary>
    /// The runtime of a gadget whose programs are not one loaded object's (trace dns: a socket filter on a socket per
    /// network namespace, see <see cref="DnsNamespaces"/>): it reads <paramref name="events"/>, counts the drops in
    /// <paramref name="lost"/> (an array map whose first value is the <c>u64</c> count), and, when disposed, disposes
    /// <paramref name="source"/> (what writes the ring buffer) first, then the reader, the maps and the selection.
    /// </summary>
    public static GadgetRuntime FromMaps(string name, GadgetOptions options, ContainerSelection? selection, BpfMap events, BpfMap lost, IDisposable source)
    {
        var runtime = new GadgetRuntime(selection, options, name, resolvesCgroups: false)
        {
            _lost = new LostEventsCounter(lost),
            _source = source,
            _ringBytes = events.MaxEntries,
        };
        runtime._owned.Add(lost);
        runtime._owned.Add(events);
        runtime.Reader = new RingBufferReader(events);
        return runtime;
    }

    /// <summary>The container whose cgroup2 id is <paramref name="cgroupId"/>, when a collection is given and knows it.</summary>
    /// <remarks>A container that stopped a moment ago (its last events still in the ring buffer) is still resolved.</remarks>
    public Container? ResolveContainer(ulong cgroupId) =>
        cgroupId == 0 ? null : Options.Containers?.GetByCgroupId(cgroupId) ?? _recent?.Get(cgroupId);

    /// <summary>The kernel's <c>lost_events</c> counter, read without allocating; 0 once disposed.</summary>
    public ulong LostEvents => Volatile.Read(ref _disposed) != 0 ? 0 : _lost.Read();

    /// <summary>Throws unless <paramref name="size"/> is 0 (the gadget's default) or a power of two of at least one page.</summary>
    internal static void ValidateRingBufferSize(int size)
    {
        if (size != 0 && (size < Environment.SystemPageSize || !int.IsPow2(size)))
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"GadgetOptions.RingBufferSize is 0 (the gadget's default) or a power of two of at least one page ({Environment.SystemPageSize} bytes).");
        }
    }

    /// <summary>
    /// Decodes the ring buffer's records with <paramref name="decode"/> as they arrive (a record that decodes to null is
    /// skipped) until <paramref name="cancellationToken"/> is canceled or the gadget is disposed. The kernel's lost-events
    /// counter is read as <see cref="AfterBatch"/> says (not a system call per wake-up); with
    /// <see cref="GadgetOptions.BatchDelay"/>, a wake-up that comes soon after the last read waits that long first.
    /// </summary>
    public async IAsyncEnumerable<T> ReadAsync<T>(RecordDecoder<T> decode, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class
    {
        var batch = new List<T>();
        var delay = Options.BatchDelay;
        var lastRead = long.MinValue / 2;
        while (true)
        {
            bool available;
            try
            {
                available = await Reader.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                yield break;
            }
            if (!available)
            {
                yield break;
            }
            if (delay > TimeSpan.Zero && Environment.TickCount64 - lastRead < BusyMilliseconds)
            {
                // Busy: the records of the next moments gather in the ring without a notification each (the kernel wakes
                // the reader only once it has caught up). On the reading thread, which has nothing else to do meanwhile.
                Thread.Sleep(delay);
            }
            batch.Clear();
            var handler = new BatchHandler<T>(decode, batch);
            try
            {
                Reader.Consume(ref handler);
            }
            catch (ObjectDisposedException)
            {
                yield break;
            }
            lastRead = Environment.TickCount64;
            var lost = CountBatch(batch.Count, handler.Bytes, handler.MaxRecord);
            foreach (var item in batch)
            {
                yield return item;
            }
            RaiseLost(lost);
        }
    }

    /// <summary>
    /// After a batch read in place (<paramref name="count"/> records, <paramref name="bytes"/> bytes with their headers,
    /// the largest <paramref name="maxRecord"/> bytes or <see cref="MinMaxRecord"/>), as after each batch of
    /// <see cref="ReadAsync{T}"/>: counts it in the metrics and raises <see cref="EventsLost"/> when the kernel's counter
    /// grew. The counter (a system call) is read only when someone listens (the event or the metrics), and then only when
    /// the batch may follow a drop, or a second after it was last read: the kernel drops a record only when the unread
    /// ones fill the ring (all but less than <paramref name="maxRecord"/> bytes of it), and the next batch reads all of
    /// those, so a batch smaller than that follows no drop.
    /// </summary>
    internal void AfterBatch(int count, long bytes, int maxRecord) => RaiseLost(CountBatch(count, bytes, maxRecord));

    // The metrics of a batch, and the events lost before it (0 when nobody listens).
    private ulong CountBatch(int count, long bytes, int maxRecord)
    {
        var lost = EventsLost is null && !GadgetMetrics.IsLostEnabled ? 0 : LostSince(bytes, maxRecord);
        GadgetMetrics.EventsRead(Name, count);
        GadgetMetrics.EventsLost(Name, lost);
        return lost;
    }

    private void RaiseLost(ulong lost)
    {
        if (lost != 0)
        {
            EventsLost?.Invoke(Owner ?? this, new EventsLostEventArgs(lost, _reportedLost));
        }
    }

    // The events lost since the last report, read only when the batch may follow a drop or a second after the last read.
    private ulong LostSince(long bytes, int maxRecord)
    {
        var now = Environment.TickCount64;
        if (bytes < _ringBytes - maxRecord && now - _lastLostCheck < 1000)
        {
            return 0;
        }
        _lastLostCheck = now;
        return NewlyLost();
    }

    private ulong NewlyLost()
    {
        ulong total;
        try
        {
            total = LostEvents;
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        if (total <= _reportedLost)
        {
            return 0;
        }
        var lost = total - _reportedLost;
        _reportedLost = total;
        return lost;
    }

    /// <summary>Detaches the programs, stops the reader, unloads the object and releases the selection.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        BpfLink.DisposeAll(_links);
        _source?.Dispose();
        Reader?.Dispose();
        _recent?.Dispose();
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
        _selection?.Dispose();
    }

    // Decodes into the batch; counts the bytes the records took in the ring (8-byte header, 8-byte aligned) and the
    // largest, at least MinMaxRecord: the kernel may have dropped a record larger than any read so far.
    private struct BatchHandler<T>(RecordDecoder<T> decode, List<T> batch) : IRingBufferHandler
        where T : class
    {
        public long Bytes;
        public int MaxRecord = MinMaxRecord;

        public void OnRecord(int ring, ReadOnlySpan<byte> record)
        {
            var size = RecordHeader + ((record.Length + 7) & ~7);
            Bytes += size;
            MaxRecord = Math.Max(MaxRecord, size);
            if (decode(record) is { } item)
            {
                batch.Add(item);
            }
        }
    }
}

/// <summary>Turns one ring buffer record into an event, or null to skip it.</summary>
internal delegate T? RecordDecoder<T>(ReadOnlySpan<byte> record)
    where T : class;
