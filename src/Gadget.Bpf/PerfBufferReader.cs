using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Gadget.Bpf.Interop;
using Microsoft.Extensions.Logging;

namespace Gadget.Bpf;

/// <summary>
/// Reads a <see cref="BpfMapType.PerfEventArray"/> map: opens one BPF output perf event per CPU, maps its ring, stores the
/// event in the map at the CPU's index (so that <c>bpf_perf_event_output(ctx, &amp;map, BPF_F_CURRENT_CPU, ...)</c> writes
/// there) and hands the records to a handler without copying them.
/// </summary>
/// <remarks>
/// <para>Normal mode: <see cref="Consume{THandler}(ref THandler)"/> reads what is there, <see cref="Poll{THandler}(ref THandler, int, CancellationToken)"/>
/// waits for records first, <see cref="WaitAsync"/> waits without blocking a thread. Records are delivered CPU by CPU, oldest first within a CPU.
/// When a ring is full the kernel drops records and later reports how many (<see cref="LostRecords"/>, <see cref="IPerfBufferHandler.OnLost"/>).</para>
/// <para>Overwritable mode (<see cref="PerfBufferOptions.Overwritable"/>): a flight recorder that always holds the newest records; see
/// <see cref="ReadNewestFirst{THandler}(ref THandler)"/>.</para>
/// <para>One consumer at a time: the reading methods are serialized by a lock. <see cref="Dispose"/> and <see cref="Wake"/> may be
/// called from any thread, also while another thread is blocked in <c>Poll</c>.</para>
/// </remarks>
public sealed unsafe partial class PerfBufferReader : IDisposable
{
    private const ulong WakeToken = ulong.MaxValue;
    private const int MaxRecordSize = ushort.MaxValue + 1; // perf_event_header.size is a u16

    private readonly BpfMap _map;
    private readonly PerfCpuRing[] _rings;
    private readonly FileDescriptorHandle? _epoll;
    private readonly FileDescriptorHandle? _wakeEvent;
    private readonly Lock _gate = new();
    // Pinned (pinned object heap), allocated once per reader: a copy of a record that wraps around the ring's end (normal
    // mode) or of a whole ring's intact records (overwritable mode), and the offsets of a snapshot's records.
    private readonly byte[] _scratchArray;
    private readonly int[] _offsetArray;
    private readonly byte* _scratch;
    private readonly int _scratchSize;
    private readonly int* _offsets;
    private int _depth;
    private int _disposeRequested;
    private bool _released;
    private long _lostRecords;

    /// <summary>Opens the per-CPU rings for <paramref name="map"/> and stores them in it.</summary>
    /// <param name="map">A loaded <see cref="BpfMapType.PerfEventArray"/> map, from a <see cref="BpfObject"/> or <see cref="BpfMap.Create"/>.</param>
    /// <param name="options">Ring size, wake-up policy, overwritable mode; <c>null</c> for the defaults.</param>
    /// <exception cref="ArgumentException">The map is not a perf event array, or the page count is not a power of two.</exception>
    /// <exception cref="BpfException">A perf event could not be opened, mapped or stored in the map; the message says which CPU.</exception>
    public PerfBufferReader(BpfMap map, PerfBufferOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        options ??= new PerfBufferOptions();
        if (map.Type != BpfMapType.PerfEventArray)
        {
            throw new ArgumentException($"Map '{map.Name}' is a {map.Type} map; a perf buffer reader needs a {nameof(BpfMapType.PerfEventArray)} map.", nameof(map));
        }
        if (options.PageCount <= 0 || !BitOperations.IsPow2(options.PageCount))
        {
            throw new ArgumentException($"The page count must be a power of two (1, 2, 4, ...), not {options.PageCount}.", nameof(options));
        }
        // Each CPU's mapping (data pages + one metadata page) is sized with 32-bit arithmetic downstream: at most 2 GiB.
        var maxPages = (int)(BitOperations.RoundUpToPowerOf2((uint)(int.MaxValue / Environment.SystemPageSize)) / 2);
        if (options.PageCount > maxPages)
        {
            throw new ArgumentOutOfRangeException(nameof(options),
                $"PerfBufferOptions.PageCount is {options.PageCount}: at most {maxPages} pages ({((long)maxPages * Environment.SystemPageSize) >> 20} MiB) per CPU fit.");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(options.WakeupEvents, nameof(options) + "." + nameof(options.WakeupEvents));
        ArgumentOutOfRangeException.ThrowIfNegative(options.WakeupWatermarkBytes, nameof(options) + "." + nameof(options.WakeupWatermarkBytes));

        _map = map;
        IsOverwritable = options.Overwritable;
        var mapFd = map.FileDescriptor; // throws when the map's object is not loaded
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
                var ring = PerfCpuRing.Open(cpu, options, pageSize);
                if (ring is null)
                {
                    skipped.Add(cpu);
                    continue;
                }
                rings.Add(ring);
                var key = (uint)cpu;
                var value = (uint)ring.Fd;
                var result = LibBpf.bpf_map_update_elem(mapFd, &key, &value, 0);
                if (result < 0)
                {
                    throw Errno.ToException(result, $"store the perf event of CPU {cpu} in map '{map.Name}'");
                }
                ring.Enable();
            }
            if (rings.Count == 0)
            {
                throw new BpfException($"No CPU could get a perf ring for map '{map.Name}': all {cpuCount} CPUs are offline.", Libc.ENODEV);
            }

            _rings = rings.ToArray();
            RingSize = (int)_rings[0].Size;
            if (IsOverwritable)
            {
                // A snapshot copies at most a whole ring; records are at least 8 bytes.
                _scratchSize = RingSize;
                _offsetArray = GC.AllocateUninitializedArray<int>(RingSize / 8 + 1, pinned: true);
            }
            else
            {
                _scratchSize = Math.Min(MaxRecordSize, RingSize);
                _offsetArray = [];
                _epoll = CreateEpoll();
                _wakeEvent = CreateWakeEvent(_epoll);
                foreach (var ring in _rings)
                {
                    AddToEpoll(_epoll, ring.Fd, (ulong)ring.Cpu, $"the perf event of CPU {ring.Cpu}");
                }
            }
            _scratchArray = GC.AllocateUninitializedArray<byte>(_scratchSize, pinned: true);
            _scratch = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_scratchArray));
            _offsets = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_offsetArray));
        }
        catch
        {
            RemoveFromMap(rings);
            foreach (var ring in rings)
            {
                ring.Dispose();
            }
            _wakeEvent?.Dispose();
            _epoll?.Dispose();
            throw;
        }

        Cpus = Array.AsReadOnly(_rings.Select(r => r.Cpu).ToArray());
        OfflineCpus = skipped.AsReadOnly();
        if (skipped.Count > 0)
        {
            LibbpfRuntime.Logger?.LogInformation(
                "Perf buffer for map '{Map}': skipped offline CPUs {Cpus} (perf_event_open gave ENODEV).", map.Name, string.Join(",", skipped));
        }
    }

    /// <summary>The CPUs that have a ring (their indexes in the map), ascending.</summary>
    public IReadOnlyList<int> Cpus { get; }

    /// <summary>Possible CPUs that were skipped because they were offline when the reader was created.</summary>
    public IReadOnlyList<int> OfflineCpus { get; }

    /// <summary>Size of each CPU's data area in bytes (<see cref="PerfBufferOptions.PageCount"/> pages).</summary>
    public int RingSize { get; }

    /// <summary>Whether this reader is a flight recorder (<see cref="PerfBufferOptions.Overwritable"/>).</summary>
    public bool IsOverwritable { get; }

    /// <summary>
    /// Records the kernel dropped because a ring was full, summed over all <c>PERF_RECORD_LOST</c> records read so far
    /// (normal mode). The kernel reports a loss when it next manages to write into that CPU's ring.
    /// </summary>
    public long LostRecords => Volatile.Read(ref _lostRecords);

    /// <summary>Whether <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposeRequested) != 0;

    /// <summary>
    /// Reads every record now in the rings, without waiting, and hands each to <paramref name="handler"/>.
    /// Records come CPU by CPU, oldest first within each CPU.
    /// </summary>
    /// <returns>The number of records delivered (losses not counted).</returns>
    /// <exception cref="ObjectDisposedException">The reader is disposed.</exception>
    /// <exception cref="InvalidOperationException">The reader is overwritable.</exception>
    public int Consume<THandler>(ref THandler handler)
        where THandler : IPerfBufferHandler
    {
        Enter(overwritable: false);
        try
        {
            return ConsumeAll(ref handler);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Reads every record now in the rings, without waiting (see <see cref="Consume{THandler}(ref THandler)"/>).</summary>
    /// <param name="handler">Called for each record.</param>
    /// <param name="lost">Called for each loss report; <c>null</c> to only count them in <see cref="LostRecords"/>.</param>
    /// <returns>The number of records delivered.</returns>
    public int Consume(PerfRecordHandler handler, PerfLostHandler? lost = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var adapter = new DelegateHandler(handler, lost);
        return Consume(ref adapter);
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMs"/> milliseconds for records (or returns at once if some are there), then reads
    /// everything in the rings, as <see cref="Consume{THandler}(ref THandler)"/> does. Records below the wake-up threshold are read
    /// when the timeout ends. Returns early with 0 after <see cref="Wake"/> or <see cref="Dispose"/> from another thread.
    /// </summary>
    /// <param name="handler">Receives the records.</param>
    /// <param name="timeoutMs">Longest wait in milliseconds; -1 waits until records arrive, 0 does not wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The number of records delivered; 0 after a timeout, a wake-up or disposal.</returns>
    /// <exception cref="ObjectDisposedException">The reader was disposed before the call.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public int Poll<THandler>(ref THandler handler, int timeoutMs, CancellationToken cancellationToken = default)
        where THandler : IPerfBufferHandler
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeoutMs, -1);
        cancellationToken.ThrowIfCancellationRequested();
        Enter(overwritable: false);
        try
        {
            var lostBefore = _lostRecords;
            var count = ConsumeAll(ref handler);
            if (count > 0 || _lostRecords != lostBefore || timeoutMs == 0)
            {
                return count;
            }
            using (cancellationToken.CanBeCanceled ? cancellationToken.UnsafeRegister(static s => ((PerfBufferReader)s!).SignalWakeEvent(), this) : default)
            {
                var start = Environment.TickCount64;
                while (true)
                {
                    var remaining = timeoutMs < 0 ? -1 : (int)Math.Max(0, timeoutMs - (Environment.TickCount64 - start));
                    var signalled = WaitForEvents(remaining);
                    if (IsDisposed)
                    {
                        return 0;
                    }
                    cancellationToken.ThrowIfCancellationRequested();
                    lostBefore = _lostRecords;
                    count = ConsumeAll(ref handler);
                    // A ring's signal can be stale (its records already read): then wait on until the timeout.
                    if (count > 0 || _lostRecords != lostBefore || !signalled || remaining == 0)
                    {
                        return count;
                    }
                }
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for records, then reads them (see <see cref="Poll{THandler}(ref THandler, int, CancellationToken)"/>).</summary>
    /// <param name="handler">Receives the records.</param>
    /// <param name="timeout">Longest wait; <see cref="Timeout.InfiniteTimeSpan"/> waits until records arrive.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The number of records delivered; 0 after a timeout, a wake-up or disposal.</returns>
    public int Poll<THandler>(ref THandler handler, TimeSpan timeout, CancellationToken cancellationToken = default)
        where THandler : IPerfBufferHandler => Poll(ref handler, ToMilliseconds(timeout), cancellationToken);

    /// <summary>Waits for records and reads them (see <see cref="Poll{THandler}(ref THandler, int, CancellationToken)"/>).</summary>
    /// <param name="handler">Called for each record.</param>
    /// <param name="timeoutMs">Longest wait in milliseconds; -1 waits until records arrive.</param>
    /// <param name="lost">Called for each loss report; <c>null</c> to only count them in <see cref="LostRecords"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The number of records delivered.</returns>
    public int Poll(PerfRecordHandler handler, int timeoutMs, PerfLostHandler? lost = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var adapter = new DelegateHandler(handler, lost);
        return Poll(ref adapter, timeoutMs, cancellationToken);
    }

    /// <summary>Waits up to <paramref name="timeout"/> for records and reads them (see <see cref="Poll{THandler}(ref THandler, int, CancellationToken)"/>).</summary>
    /// <param name="handler">Called for each record.</param>
    /// <param name="timeout">Longest wait; <see cref="Timeout.InfiniteTimeSpan"/> waits until records arrive.</param>
    /// <param name="lost">Called for each loss report; <c>null</c> to only count them in <see cref="LostRecords"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The number of records delivered.</returns>
    public int Poll(PerfRecordHandler handler, TimeSpan timeout, PerfLostHandler? lost = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var adapter = new DelegateHandler(handler, lost);
        return Poll(ref adapter, ToMilliseconds(timeout), cancellationToken);
    }

    /// <summary>Makes a blocked <c>Poll</c> return (with 0) and a pending <see cref="WaitAsync"/> complete with <c>true</c>. Does nothing after <see cref="Dispose"/>.</summary>
    public void Wake()
    {
        if (IsDisposed)
        {
            return;
        }
        WakeWaiter();
        SignalWakeEvent();
    }

    private void SignalWakeEvent()
    {
        var handle = _wakeEvent;
        if (handle is null)
        {
            return;
        }
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            ulong one = 1;
            _ = Libc.write(handle.Fd, &one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
            // Disposed: nothing waits any more.
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Removes the rings from the map, unmaps them and closes the perf events. Safe to call more than once and from another
    /// thread while one is blocked in <c>Poll</c> (it wakes that thread and waits for it to leave) or inside a handler
    /// (the rings are released when the reading method returns).
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposeRequested, 1) != 0)
        {
            return;
        }
        StopWaiter(); // before Wake, which would complete a pending wait with true
        SignalWakeEvent();
        if (_gate.IsHeldByCurrentThread)
        {
            return; // called from a handler: Exit() of the outermost reading call releases everything
        }
        lock (_gate)
        {
            Release();
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"Perf buffer of map '{_map.Name}' ({Cpus.Count} CPUs x {RingSize} bytes{(IsOverwritable ? ", overwritable" : string.Empty)})";

    private static int ToMilliseconds(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return -1;
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero, nameof(timeout));
        return (int)Math.Min(int.MaxValue, Math.Ceiling(timeout.TotalMilliseconds));
    }

    private void Enter(bool overwritable)
    {
        _gate.Enter();
        if (IsDisposed)
        {
            _gate.Exit(); // whoever disposed (or the outermost reading call) releases the rings
            throw new ObjectDisposedException(nameof(PerfBufferReader));
        }
        if (overwritable != IsOverwritable)
        {
            _gate.Exit();
            throw new InvalidOperationException(IsOverwritable
                ? "This perf buffer is overwritable: read it with ReadNewestFirst or ReadOldestFirst; Consume, Poll and WaitAsync are for normal perf buffers."
                : "ReadNewestFirst and ReadOldestFirst are for overwritable perf buffers (PerfBufferOptions.Overwritable); use Consume, Poll or WaitAsync.");
        }
        _depth++;
    }

    private void Exit()
    {
        if (_depth > 0)
        {
            _depth--;
        }
        if (_depth == 0 && IsDisposed)
        {
            Release();
        }
        _gate.Exit();
    }

    private int ConsumeAll<THandler>(ref THandler handler)
        where THandler : IPerfBufferHandler
    {
        var count = 0;
        foreach (var ring in _rings)
        {
            count += ConsumeRing(ring, ref handler);
            if (IsDisposed)
            {
                break;
            }
        }
        return count;
    }

    private int ConsumeRing<THandler>(PerfCpuRing ring, ref THandler handler)
        where THandler : IPerfBufferHandler
    {
        var head = ring.Head;
        var tail = ring.Tail;
        var count = 0;
        try
        {
            while (tail != head && !IsDisposed)
            {
                var offset = tail & ring.Mask;
                var record = ring.Data + offset; // headers are 8-byte aligned and never wrap
                var size = (uint)*(ushort*)(record + 6);
                if (size < Libc.PerfEventHeaderSize || size > head - tail)
                {
                    Skip(ring, "a record of impossible size " + size, ref tail, head);
                    break;
                }
                if (offset + size > ring.Size)
                {
                    var first = (int)(ring.Size - offset);
                    Buffer.MemoryCopy(record, _scratch, _scratchSize, first);
                    Buffer.MemoryCopy(ring.Data, _scratch + first, _scratchSize - first, size - first);
                    record = _scratch;
                }
                tail += size;
                if (Dispatch(ring.Cpu, record, size, ref handler, countLost: true))
                {
                    count++;
                }
            }
        }
        finally
        {
            ring.Tail = tail;
        }
        return count;
    }

    /// <summary>Hands one record to the handler; returns whether it was a sample.</summary>
    private bool Dispatch<THandler>(int cpu, byte* record, uint size, ref THandler handler, bool countLost)
        where THandler : IPerfBufferHandler
    {
        var type = *(uint*)record;
        if (type == Libc.PERF_RECORD_SAMPLE && size >= Libc.PerfEventHeaderSize + sizeof(uint))
        {
            var rawSize = *(uint*)(record + Libc.PerfEventHeaderSize);
            if (rawSize > size - Libc.PerfEventHeaderSize - sizeof(uint))
            {
                LibbpfRuntime.Logger?.LogWarning("Perf buffer of map '{Map}', CPU {Cpu}: skipped a sample whose raw size {Raw} exceeds its record ({Size} bytes).", _map.Name, cpu, rawSize, size);
                return false;
            }
            handler.OnRecord(cpu, new ReadOnlySpan<byte>(record + Libc.PerfEventHeaderSize + sizeof(uint), (int)rawSize));
            return true;
        }
        if (type == Libc.PERF_RECORD_LOST && size >= Libc.PerfEventHeaderSize + 16)
        {
            var lost = *(ulong*)(record + Libc.PerfEventHeaderSize + 8);
            if (countLost)
            {
                Interlocked.Add(ref _lostRecords, (long)lost);
            }
            handler.OnLost(cpu, lost);
        }
        return false;
    }

    private void Skip(PerfCpuRing ring, string what, ref ulong tail, ulong head)
    {
        LibbpfRuntime.Logger?.LogWarning(
            "Perf buffer of map '{Map}', CPU {Cpu}: found {What}; dropped the ring's {Bytes} unread bytes.", _map.Name, ring.Cpu, what, head - tail);
        tail = head;
    }

    private void Release()
    {
        if (_released)
        {
            return;
        }
        _released = true;
        RemoveFromMap(_rings);
        foreach (var ring in _rings)
        {
            ring.Dispose();
        }
        _wakeEvent?.Dispose();
        _epoll?.Dispose();
    }

    private void RemoveFromMap(IEnumerable<PerfCpuRing> rings)
    {
        if (_map.IsDisposed)
        {
            return;
        }
        int mapFd;
        try
        {
            mapFd = _map.FileDescriptor;
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            return;
        }
        foreach (var ring in rings)
        {
            var key = (uint)ring.Cpu;
            _ = LibBpf.bpf_map_delete_elem(mapFd, &key);
        }
    }

    private static FileDescriptorHandle CreateEpoll()
    {
        var fd = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        return fd >= 0 ? new FileDescriptorHandle(fd) : throw Errno.ToException(Errno.Last, "epoll_create1 for a perf buffer");
    }

    private static FileDescriptorHandle CreateWakeEvent(FileDescriptorHandle epoll)
    {
        var fd = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (fd < 0)
        {
            throw Errno.ToException(Errno.Last, "eventfd for a perf buffer");
        }
        var handle = new FileDescriptorHandle(fd);
        try
        {
            AddToEpoll(epoll, fd, WakeToken, "the wake-up eventfd");
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        return handle;
    }

    private static void AddToEpoll(FileDescriptorHandle epoll, int fd, ulong token, string what)
    {
        var ev = new Libc.EpollEvent { Events = Libc.EPOLLIN, Data = token };
        if (Libc.epoll_ctl(epoll.Fd, Libc.EPOLL_CTL_ADD, fd, &ev) < 0)
        {
            throw Errno.ToException(Errno.Last, $"add {what} to epoll");
        }
    }

    /// <summary>
    /// Blocks in epoll_wait until a ring signals records, the wake-up eventfd is written, or the timeout ends; drains the eventfd.
    /// Returns true when a ring signalled. Safe against a concurrent Dispose: holds references on the two descriptors.
    /// </summary>
    private bool WaitForEvents(int timeoutMs)
    {
        var epoll = _epoll!;
        var wake = _wakeEvent!;
        bool epollAdded = false, wakeAdded = false;
        try
        {
            epoll.DangerousAddRef(ref epollAdded);
            wake.DangerousAddRef(ref wakeAdded);
            var events = stackalloc Libc.EpollEvent[16];
            var deadline = timeoutMs < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs;
            while (true)
            {
                var remaining = timeoutMs < 0 ? -1 : (int)Math.Max(0, deadline - Environment.TickCount64);
                var n = Libc.epoll_wait(epoll.Fd, events, 16, remaining);
                if (n < 0)
                {
                    var errno = Errno.Last;
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }
                    throw Errno.ToException(errno, "epoll_wait on a perf buffer");
                }
                var ready = false;
                for (var i = 0; i < n; i++)
                {
                    if (events[i].Data == WakeToken)
                    {
                        ulong value;
                        _ = Libc.read(wake.Fd, &value, sizeof(ulong));
                    }
                    else
                    {
                        ready = true;
                    }
                }
                return ready;
            }
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (wakeAdded)
            {
                wake.DangerousRelease();
            }
            if (epollAdded)
            {
                epoll.DangerousRelease();
            }
        }
    }

    /// <summary>Adapts the delegate overloads to <see cref="IPerfBufferHandler"/>.</summary>
    private readonly struct DelegateHandler(PerfRecordHandler records, PerfLostHandler? lost) : IPerfBufferHandler
    {
        public void OnRecord(int cpu, ReadOnlySpan<byte> data) => records(cpu, data);

        public void OnLost(int cpu, ulong count) => lost?.Invoke(cpu, count);
    }
}
