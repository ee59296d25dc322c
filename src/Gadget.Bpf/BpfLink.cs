using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>
/// An attachment of a program to a hook. Disposing it detaches the program, unless the link was pinned on bpffs,
/// in which case the pin keeps it attached until <see cref="Unpin"/> (or the pin file is removed).
/// </summary>
public sealed class BpfLink : IDisposable
{
    private readonly BpfLinkHandle _handle;
    private readonly BpfObject? _owner;

    internal BpfLink(BpfLinkHandle handle, BpfObject? owner)
    {
        _handle = handle;
        _owner = owner;
    }

    /// <summary>The link's file descriptor.</summary>
    public int FileDescriptor
    {
        get
        {
            using var lease = Lease();
            return LibBpf.bpf_link__fd(_handle.DangerousGetHandle());
        }
    }

    /// <summary>Where the link is pinned, or <c>null</c>.</summary>
    public string? PinnedPath { get; private set; }

    /// <summary>Whether the link has been disposed.</summary>
    public bool IsDisposed => _handle.IsClosed;

    /// <summary>Opens a link pinned at <paramref name="path"/> on bpffs. Disposing the result does not detach it; <see cref="Unpin"/> does.</summary>
    /// <exception cref="FileNotFoundException">Nothing is pinned at <paramref name="path"/>.</exception>
    /// <exception cref="ArgumentException">What is pinned there is not a link (e.g. a map), or the path is a directory or a file outside bpffs.</exception>
    public static BpfLink OpenPinned(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        LibbpfRuntime.EnsureInitialized();
        var link = LibBpf.bpf_link__open(path);
        if (link == 0)
        {
            throw BpfPins.OpenFailure(Errno.Last, "open pinned link", path);
        }
        var handle = new BpfLinkHandle(link);
        // libbpf opens any pin as a link: a map's would be "unpinned" (deleted) by Unpin.
        var kind = BpfPins.KindOf(LibBpf.bpf_link__fd(link), out var readable);
        if (readable && kind != "link")
        {
            handle.Dispose(); // closes the descriptor only: an opened link has nothing to detach
            throw new ArgumentException($"What is pinned at '{path}' is {(kind is null ? "not a BPF object" : $"a BPF {kind}")}, not a link.", nameof(path));
        }
        return new BpfLink(handle, null) { PinnedPath = path };
    }

    /// <summary>Pins the link at <paramref name="path"/> on bpffs (mounted if needed), so it outlives this process.</summary>
    public void Pin(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        BpfPins.PrepareParent(path);
        using var lease = Lease();
        Errno.ThrowIfNegative(LibBpf.bpf_link__pin(_handle.DangerousGetHandle(), path), "pin link", path);
        PinnedPath = path;
    }

    /// <summary>Removes the link's pin; the program stays attached until the link is disposed.</summary>
    public void Unpin()
    {
        if (PinnedPath is null)
        {
            throw new InvalidOperationException("The link is not pinned.");
        }
        int result;
        using (Lease())
        {
            result = LibBpf.bpf_link__unpin(_handle.DangerousGetHandle());
        }
        if (result < 0)
        {
            // Opened from a pin: libbpf does not know the path, so remove it ourselves.
            File.Delete(PinnedPath);
        }
        PinnedPath = null;
    }

    /// <summary>
    /// For the link of an iterator program (<see cref="BpfProgram.AttachIterator"/>): runs the iterator once
    /// (<c>bpf_iter_create</c>) and returns what the program prints (<c>BPF_SEQ_PRINTF</c>) as a read-only stream, which
    /// ends when the iteration does. Each call is a new, independent run.
    /// </summary>
    /// <exception cref="BpfException">The link is not an iterator's.</exception>
    public Stream OpenIterator()
    {
        int fd;
        using (Lease())
        {
            fd = LibBpf.bpf_iter_create(LibBpf.bpf_link__fd(_handle.DangerousGetHandle()));
        }
        if (fd < 0)
        {
            throw Errno.ToException(fd, "create an iterator from the link (is it an iterator program's link?)");
        }
        return new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, bufferSize: 0);
    }

    /// <summary>Holds the link open (its libbpf pointer and descriptor) for one native call.</summary>
    private FdLease Lease() => new(_handle, -1, "link", PinnedPath ?? "(not pinned)");

    /// <summary>
    /// Detaches every link of <paramref name="links"/> at once and returns when all are detached (null entries and
    /// disposed links are skipped). Some detaches wait in the kernel for a grace period: since Linux 6.13 a tracepoint's
    /// perf-event link waits for an RCU Tasks Trace grace period (syscall tracepoints may run sleepable programs), which
    /// takes from milliseconds to a second or more on a busy machine. Disposed one after the other, a gadget's links wait
    /// for one grace period each; disposed here, the waits overlap (one thread per link while they detach).
    /// </summary>
    /// <param name="links">The links to detach, e.g. everything a tool attached.</param>
    public static void DisposeAll(IEnumerable<BpfLink?> links)
    {
        ArgumentNullException.ThrowIfNull(links);
        var open = links.OfType<BpfLink>().Where(link => !link.IsDisposed).Distinct().ToArray();
        if (open.Length <= 1)
        {
            Array.ForEach(open, link => link.Dispose());
            return;
        }
        var helpers = new List<Thread>(open.Length - 1);
        foreach (var link in open.AsSpan(1))
        {
            var helper = new Thread(link.Dispose) { IsBackground = true, Name = "gadget-detach" };
            try
            {
                helper.Start();
                helpers.Add(helper);
            }
            catch (OutOfMemoryException)
            {
                link.Dispose(); // no thread for it: detached here, after the others started
            }
        }
        open[0].Dispose();
        foreach (var helper in helpers)
        {
            helper.Join();
        }
    }

    /// <summary>Detaches the program (unless pinned) and releases the link.</summary>
    public void Dispose()
    {
        if (_handle.IsClosed)
        {
            return;
        }
        _handle.Dispose();
        _owner?.Untrack(this);
    }
}
