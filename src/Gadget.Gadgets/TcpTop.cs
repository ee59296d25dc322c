using Gadget.Bpf;
using Gadget.Containers;
using TcpTopKey = Gadget.Gadgets.Bpf.Tcptop.TcptopKey;
using TcpTopValue = Gadget.Gadgets.Bpf.Tcptop.TcptopValue;

namespace Gadget.Gadgets;

/// <summary>
/// tcptop: bytes sent and received per process and TCP connection, for the selected containers (or the host), as one
/// snapshot per interval.
/// </summary>
/// <remarks>
/// Built on <c>sock:sock_send_length</c> and <c>sock:sock_recv_length</c> (Linux 6.4+), which fire in the calling
/// process when <c>sock_sendmsg</c>/<c>sock_recvmsg</c> return (send, sendto, sendmsg, write, recv, read, ... on TCP
/// sockets) with the socket and the byte count. The BPF side adds the bytes into a hash map keyed by (cgroup, pid,
/// connection); each interval user space takes and deletes the whole map with batch lookup-and-delete. Bytes moved
/// without those functions (sendfile, splice, zero-copy receive) are not counted; an addition racing with the read of
/// its entry can be lost.
/// </remarks>
public sealed class TcpTop : IAsyncDisposable
{
    private const int BatchSize = 256;
    private readonly TcpGadgetObject _gadget;
    private readonly BpfMap<TcpTopKey, TcpTopValue> _traffic;
    private readonly ContainerCollection? _containers;
    private readonly TcpTopOptions _options;
    private readonly TcpTopKey[] _keys = new TcpTopKey[BatchSize];
    private readonly TcpTopValue[] _values = new TcpTopValue[BatchSize];
    private readonly CancellationTokenSource _disposed = new();
    private long _lastCollect;
    private int _disposeState;

    private TcpTop(TcpGadgetObject gadget, ContainerCollection? containers, TcpTopOptions options)
    {
        _gadget = gadget;
        _traffic = gadget.Object.Map("traffic").As<TcpTopKey, TcpTopValue>();
        _containers = containers;
        _options = options;
        _lastCollect = Environment.TickCount64;
    }

    /// <summary>Byte counts lost because the map was full (10240 connections per interval).</summary>
    public ulong DroppedUpdates => _gadget.Object.GetGlobal<ulong>("dropped_updates");

    /// <summary>Loads and attaches the BPF programs; bytes are counted from now on.</summary>
    /// <param name="options">Which containers (null selector: every process), and the collection events are resolved with.</param>
    /// <param name="tcpTopOptions">Interval and rows.</param>
    /// <exception cref="ArgumentException">A selector without a container collection, or a non-positive interval.</exception>
    /// <exception cref="BpfFeatureNotSupportedException">The kernel has no sock:sock_send_length tracepoint (before Linux 6.3).</exception>
    /// <exception cref="BpfException">Loading or attaching failed.</exception>
    public static TcpTop Start(GadgetOptions options, TcpTopOptions? tcpTopOptions = null)
    {
        tcpTopOptions ??= new TcpTopOptions();
        if (tcpTopOptions.Interval <= TimeSpan.Zero)
        {
            throw new ArgumentException("The interval must be positive.", nameof(tcpTopOptions));
        }
        // Only where tracefs can be read: without privileges it cannot, and loading says what is missing instead.
        var events = Path.Combine(BpfEnvironment.EnsureTracefs(), "events");
        if (Directory.Exists(events) && !Directory.Exists(Path.Combine(events, "sock", "sock_send_length")))
        {
            throw new BpfFeatureNotSupportedException(
                "tracepoint sock:sock_send_length",
                $"tcptop counts bytes at the sock:sock_send_length and sock:sock_recv_length tracepoints, which Linux 6.3 added; this kernel ({Environment.OSVersion.Version}) has none.");
        }
        var gadget = TcpGadgetObject.Load(
            "tcptop.bpf.o",
            options,
            ("tcptop_send", "sock", "sock_send_length"),
            ("tcptop_recv", "sock", "sock_recv_length"));
        return new TcpTop(gadget, options.Containers, tcpTopOptions);
    }

    /// <summary>One snapshot per interval, until <paramref name="cancellationToken"/> is canceled or the gadget is disposed.</summary>
    public IAsyncEnumerable<TcpTopSnapshot> ReadAsync(CancellationToken cancellationToken = default) =>
        IntervalSnapshots.ReadAsync(_options.Interval, Collect, _disposed.Token, cancellationToken);

    /// <summary>Takes the counts accumulated since the previous snapshot (or the start) now, and resets them.</summary>
    public TcpTopSnapshot Collect()
    {
        ObjectDisposedException.ThrowIf(_disposeState != 0, this);
        var now = Environment.TickCount64;
        var interval = TimeSpan.FromMilliseconds(now - Interlocked.Exchange(ref _lastCollect, now));
        var rows = new List<TcpTraffic>();
        var cursor = default(BpfMapBatchCursor);
        bool done;
        do
        {
            var count = _traffic.LookupAndDeleteBatch(ref cursor, _keys, _values, out done);
            for (var i = 0; i < count; i++)
            {
                rows.Add(ToTraffic(ref _keys[i], ref _values[i]));
            }
        }
        while (!done);
        rows.Sort(static (a, b) => (b.BytesSent + b.BytesReceived).CompareTo(a.BytesSent + a.BytesReceived));
        if (_options.MaxRows is int max && rows.Count > max)
        {
            rows.RemoveRange(max, rows.Count - max);
        }
        return new TcpTopSnapshot(DateTimeOffset.UtcNow, interval, rows);
    }

    private TcpTraffic ToTraffic(ref TcpTopKey key, ref TcpTopValue value)
    {
        return new TcpTraffic
        {
            Pid = (int)key.Pid,
            Tid = (int)value.Proc.Tid,
            ParentPid = (int)value.Proc.Ppid,
            Uid = value.Proc.Uid,
            Gid = value.Proc.Gid,
            Comm = RecordText.Decode(value.Proc.Comm),
            ParentComm = RecordText.Decode(value.Proc.Pcomm),
            CgroupId = key.CgroupId,
            Container = _containers?.GetByCgroupId(key.CgroupId),
            NetNamespaceId = key.Netns,
            LocalAddress = RecordAddress.Decode(key.Family, key.Saddr),
            LocalPort = key.Sport,
            RemoteAddress = RecordAddress.Decode(key.Family, key.Daddr),
            RemotePort = key.Dport,
            BytesSent = (long)value.Sent,
            BytesReceived = (long)value.Received,
            Sends = (long)value.Sends,
            Receives = (long)value.Receives,
        };
    }

    /// <summary>Detaches the programs and frees the kernel objects; a pending <see cref="ReadAsync"/> ends.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposeState, 1) == 0)
        {
            _disposed.Cancel();
            _gadget.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
