using System.Text;
using Gadget.Bpf;
using Gadget.Containers;
using FileTopKey = Gadget.Gadgets.Bpf.Filetop.FiletopKey;
using FileTopValue = Gadget.Gadgets.Bpf.Filetop.FiletopValue;

namespace Gadget.Gadgets;

/// <summary>
/// filetop (ig's <c>top file</c>): read and write calls and bytes per process and file, for the selected containers (or
/// the host), as one snapshot per interval.
/// </summary>
/// <remarks>
/// Built on the syscall tracepoints of read, write, pread64, pwrite64, readv, writev, preadv, pwritev, preadv2 and pwritev2: the enter tracepoint keeps the
/// descriptor per thread, the exit tracepoint takes a positive return value as the bytes moved and finds the
/// descriptor's <c>struct file</c> in the task's descriptor table (inode, device, type, and the last dentry names). The
/// BPF side adds the call into a hash map keyed by (cgroup, pid, device, inode); each interval user space takes and
/// deletes the whole map with batch lookup-and-delete. Regular files only unless <see cref="FileTopOptions.AllFiles"/>.
/// Not counted: sendfile, copy_file_range, splice, io_uring, mmap'd access, 32-bit compat calls. An addition racing with
/// the read of its entry can be lost.
/// </remarks>
public sealed class FileTop : IAsyncDisposable
{
    private const int BatchSize = 128;

    // The calls counted: each has the descriptor as its first argument and returns the bytes moved.
    private static readonly (string Name, bool Write)[] Syscalls =
    [
        ("read", false), ("pread64", false), ("readv", false), ("preadv", false), ("preadv2", false),
        ("write", true), ("pwrite64", true), ("writev", true), ("pwritev", true), ("pwritev2", true),
    ];
    private readonly TcpGadgetObject _gadget;
    private readonly BpfMap<FileTopKey, FileTopValue> _files;
    private readonly ContainerCollection? _containers;
    private readonly RecentContainers? _recent;
    private readonly FileTopOptions _options;
    private readonly FileTopKey[] _keys = new FileTopKey[BatchSize];
    private readonly FileTopValue[] _values = new FileTopValue[BatchSize];
    private readonly CancellationTokenSource _disposed = new();
    private long _lastCollect;
    private int _disposeState;

    private FileTop(TcpGadgetObject gadget, ContainerCollection? containers, FileTopOptions options)
    {
        _gadget = gadget;
        _files = gadget.Object.Map("files").As<FileTopKey, FileTopValue>();
        _containers = containers;
        _recent = containers is null ? null : new RecentContainers(containers);
        _options = options;
        _lastCollect = Environment.TickCount64;
    }

    /// <summary>Calls not counted because the map was full (10240 process/file pairs per interval).</summary>
    public ulong DroppedUpdates => _gadget.Object.GetGlobal<ulong>("dropped_updates");

    /// <summary>Loads and attaches the BPF programs; calls are counted from now on.</summary>
    /// <param name="options">Which containers (null selector: every process), and the collection rows are resolved with.</param>
    /// <param name="fileTopOptions">Interval, order, rows and file types.</param>
    /// <exception cref="ArgumentException">A selector without a container collection, a non-positive interval or row count.</exception>
    /// <exception cref="BpfException">Loading or attaching failed.</exception>
    public static FileTop Start(GadgetOptions options, FileTopOptions? fileTopOptions = null)
    {
        fileTopOptions ??= new FileTopOptions();
        if (fileTopOptions.Interval <= TimeSpan.Zero)
        {
            throw new ArgumentException("The interval must be positive.", nameof(fileTopOptions));
        }
        if (fileTopOptions.MaxRows is <= 0)
        {
            throw new ArgumentException("MaxRows must be positive.", nameof(fileTopOptions));
        }
        if (!Enum.IsDefined(fileTopOptions.Sort))
        {
            throw new ArgumentException($"Unknown sort order {fileTopOptions.Sort}.", nameof(fileTopOptions));
        }
        var allFiles = fileTopOptions.AllFiles;
        var gadget = TcpGadgetObject.Load(
            "filetop.bpf.o",
            options,
            spec => spec.SetGlobal("all_files", allFiles),
            [.. Syscalls.SelectMany(static call => ((string, string, string)[])[
                (call.Write ? "filetop_enter_write" : "filetop_enter_read", "syscalls", "sys_enter_" + call.Name),
                ("filetop_exit", "syscalls", "sys_exit_" + call.Name)])]);
        return new FileTop(gadget, options.Containers, fileTopOptions);
    }

    /// <summary>One snapshot per interval, until <paramref name="cancellationToken"/> is canceled or the gadget is disposed.</summary>
    public IAsyncEnumerable<FileTopSnapshot> ReadAsync(CancellationToken cancellationToken = default) =>
        IntervalSnapshots.ReadAsync(_options.Interval, Collect, _disposed.Token, cancellationToken);

    /// <summary>Takes the counts accumulated since the previous snapshot (or the start) now, and resets them.</summary>
    public FileTopSnapshot Collect()
    {
        ObjectDisposedException.ThrowIf(_disposeState != 0, this);
        var now = Environment.TickCount64;
        var interval = TimeSpan.FromMilliseconds(now - Interlocked.Exchange(ref _lastCollect, now));
        var rows = new List<FileTraffic>();
        var cursor = default(BpfMapBatchCursor);
        bool done;
        do
        {
            var count = _files.LookupAndDeleteBatch(ref cursor, _keys, _values, out done);
            for (var i = 0; i < count; i++)
            {
                rows.Add(ToTraffic(in _keys[i], ref _values[i]));
            }
        }
        while (!done);
        rows.Sort(Comparison(_options.Sort));
        if (_options.MaxRows is int max && rows.Count > max)
        {
            rows.RemoveRange(max, rows.Count - max);
        }
        return new FileTopSnapshot(DateTimeOffset.UtcNow, interval, rows);
    }

    private static Comparison<FileTraffic> Comparison(FileTopSort sort) => sort switch
    {
        FileTopSort.Reads => static (a, b) => b.Reads.CompareTo(a.Reads),
        FileTopSort.Writes => static (a, b) => b.Writes.CompareTo(a.Writes),
        FileTopSort.ReadBytes => static (a, b) => b.ReadBytes.CompareTo(a.ReadBytes),
        FileTopSort.WriteBytes => static (a, b) => b.WriteBytes.CompareTo(a.WriteBytes),
        _ => static (a, b) => (b.ReadBytes + b.WriteBytes).CompareTo(a.ReadBytes + a.WriteBytes),
    };

    private FileTraffic ToTraffic(in FileTopKey key, ref FileTopValue value)
    {
        var type = value.Type <= (uint)FileType.Other ? (FileType)value.Type : FileType.Other;
        var (name, path) = Names(ref value, type, key.Inode);
        return new FileTraffic
        {
            Pid = (int)key.Pid,
            Tid = (int)value.Proc.Tid,
            ParentPid = (int)value.Proc.Ppid,
            Uid = value.Proc.Uid,
            Gid = value.Proc.Gid,
            Comm = RecordText.Decode(value.Proc.Comm),
            ParentComm = RecordText.Decode(value.Proc.Pcomm),
            CgroupId = key.CgroupId,
            Container = key.CgroupId == 0 ? null : _containers?.GetByCgroupId(key.CgroupId) ?? _recent?.Get(key.CgroupId),
            Inode = key.Inode,
            DeviceMajor = key.Dev >> 20,
            DeviceMinor = key.Dev & 0xfffff,
            Type = type,
            Name = name,
            Path = path,
            Reads = (long)value.Reads,
            Writes = (long)value.Writes,
            ReadBytes = (long)value.ReadBytes,
            WriteBytes = (long)value.WriteBytes,
        };
    }

    /// <summary>The file's name and the path of the names read (names[0] the file's, names[1] its parent's...).</summary>
    internal static (string Name, string Path) Names(ref FileTopValue value, FileType type, ulong inode)
    {
        var depth = (int)Math.Min(value.Depth, (uint)value.Names.Length);
        var name = depth > 0 ? RecordText.Decode(value.Names[0]) : string.Empty;
        if (depth == 1 && value.Rooted == 0)
        {
            // A dentry that is its own parent: a pseudo file system's (a socket's "TCP", a pipe's "", an anonymous
            // inode's "[eventfd]"). Sockets and pipes are named as /proc/PID/fd shows them; the others by their name.
            if (type is FileType.Socket or FileType.Pipe)
            {
                name = $"{(type == FileType.Socket ? "socket" : "pipe")}:[{inode}]";
            }
            return (name, name);
        }
        var path = new StringBuilder(value.Rooted != 0 ? "/" : ".../");
        for (var i = depth - 1; i >= 0; i--)
        {
            path.Append(RecordText.Decode(value.Names[i]));
            if (i > 0)
            {
                path.Append('/');
            }
        }
        return (name, path.ToString());
    }

    /// <summary>Detaches the programs and frees the kernel objects; a pending <see cref="ReadAsync"/> ends.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposeState, 1) == 0)
        {
            _disposed.Cancel();
            _gadget.Dispose();
            _recent?.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
