using System.Net.Sockets;
using Gadget.Bpf;
using Gadget.Containers;
using Gadget.Gadgets.Interop;
using Microsoft.Extensions.Logging;
using SocketEntryRecord = Gadget.Gadgets.Bpf.SnapshotSocket.SocketEntry;

namespace Gadget.Gadgets;

/// <summary>
/// Lists the TCP and UDP sockets there are right now (ig's <c>snapshot socket</c>, <c>ss -tanu</c>): the kernel's socket
/// iterators (<c>iter/tcp</c>, <c>iter/udp</c>, Linux 5.9) report each socket's protocol, addresses, ports, state, inode,
/// owner and network namespace. An iterator lists the sockets of the network namespace it is opened in: each
/// <see cref="Take"/> opens one in every namespace listed, from a thread that entered it. Loaded once by <see cref="Start"/>.
/// </summary>
/// <remarks>
/// The namespaces listed: with a <see cref="GadgetOptions.Selector"/>, those of the selected containers (a pod's
/// containers share one: listed once); without one, this process's (the host's) and every namespace of the
/// <see cref="GadgetOptions.Containers"/> collection's containers.
/// </remarks>
/// <example>
/// <code>
/// using var sockets = SocketSnapshot.Start(new GadgetOptions { Containers = containers, Selector = ContainerSelector.All });
/// foreach (var s in sockets.Take()) Console.WriteLine($"{s.Container?.Name} {s.Protocol} {s.LocalAddress}:{s.LocalPort} {s.State}");
/// </code>
/// </example>
public sealed class SocketSnapshot : IDisposable
{
    private readonly BpfObject _object;
    private readonly BpfLink _tcp;
    private readonly BpfLink _udp;
    private readonly ContainerSelection? _selection;
    private readonly GadgetOptions _options;
    private int _disposed;

    private SocketSnapshot(BpfObject bpf, BpfLink tcp, BpfLink udp, ContainerSelection? selection, GadgetOptions options)
    {
        _object = bpf;
        _tcp = tcp;
        _udp = udp;
        _selection = selection;
        _options = options;
    }

    /// <summary>Loads the iterator programs (nothing runs until <see cref="Take"/>).</summary>
    /// <param name="options">The containers to list (null selector: the host's sockets and every known container's) and how to resolve them.</param>
    /// <exception cref="ArgumentException"><see cref="GadgetOptions.Selector"/> is set without <see cref="GadgetOptions.Containers"/>.</exception>
    /// <exception cref="BpfException">Loading or attaching failed (e.g. a kernel without socket iterators, before 5.9).</exception>
    public static SocketSnapshot Start(GadgetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Selector is not null && options.Containers is null)
        {
            throw new ArgumentException("A container selector needs GadgetOptions.Containers (the collection that resolves it).", nameof(options));
        }
        var selection = options.Selector is { } selector ? options.Containers!.Select(selector) : null;
        BpfObject? bpf = null;
        BpfLink? tcp = null;
        try
        {
            using (var spec = BpfObjectSpec.FromEmbeddedResource(typeof(SocketSnapshot).Assembly, "snapshot_socket.bpf.o", new BpfObjectOptions { Logger = options.Logger }))
            {
                bpf = spec.Load();
            }
            tcp = bpf.Program("snapshot_tcp").AttachIterator();
            var udp = bpf.Program("snapshot_udp").AttachIterator();
            options.Logger?.LogDebug("snapshot_socket.bpf.o: iterators attached, selector {Selector}", (object?)options.Selector ?? "host");
            return new SocketSnapshot(bpf, tcp, udp, selection, options);
        }
        catch
        {
            tcp?.Dispose();
            bpf?.Dispose();
            selection?.Dispose();
            throw;
        }
    }

    /// <summary>Runs the iterators in each listed network namespace: the sockets there now, TCP then UDP per namespace.</summary>
    /// <exception cref="ObjectDisposedException">The snapshot was disposed.</exception>
    /// <exception cref="BpfPermissionException">A container's network namespace could not be entered (needs CAP_SYS_ADMIN).</exception>
    public IReadOnlyList<SocketSnapshotEntry> Take()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var entries = new List<SocketSnapshotEntry>();
        var host = NetNamespaceContainers.Inode("/proc/thread-self/ns/net");
        var seen = new HashSet<ulong>();
        if (_selection is null)
        {
            seen.Add(host);
            Parse(ReadIterators(), _options.Containers, null, entries);
        }
        var containers = _selection?.Containers ?? _options.Containers?.Containers ?? [];
        foreach (var container in containers)
        {
            if (container.NetNamespaceId != 0 && !seen.Add(container.NetNamespaceId))
            {
                continue;
            }
            byte[] output;
            try
            {
                output = NetNamespaceThread.Run($"/proc/{container.Pid}/ns/net", ReadIterators, container.NetNamespaceId);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                _options.Logger?.LogDebug("snapshot socket: container {Container} exited before its sockets were listed", container.Name);
                continue;
            }
            // A host-network container shares this namespace: its sockets are those its processes created, no others.
            Parse(output, _options.Containers, container.NetNamespaceId == host ? null : container, entries);
        }
        if (_selection is not null)
        {
            entries.RemoveAll(e => e.Container is null || !_selection.ContainsCgroup(e.Container.CgroupId));
        }
        return entries;
    }

    /// <summary>Both iterators' output, opened on the calling thread (in its network namespace).</summary>
    private byte[] ReadIterators()
    {
        using var buffer = new MemoryStream();
        foreach (var link in (BpfLink[])[_tcp, _udp])
        {
            using var stream = link.OpenIterator();
            stream.CopyTo(buffer);
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// Adds the entries in the iterators' output (whole <c>struct socket_entry</c> records) to <paramref name="entries"/>;
    /// a socket whose creator's cgroup is not a known container's belongs to <paramref name="namespaceContainer"/>.
    /// </summary>
    internal static void Parse(ReadOnlySpan<byte> output, ContainerCollection? containers, Container? namespaceContainer, List<SocketSnapshotEntry> entries)
    {
        if (output.Length % SocketEntryRecord.Size != 0)
        {
            throw new InvalidDataException($"The socket iterators wrote {output.Length} bytes, not a whole number of {SocketEntryRecord.Size}-byte records.");
        }
        for (var offset = 0; offset < output.Length; offset += SocketEntryRecord.Size)
        {
            ref var r = ref RecordView.Of<SocketEntryRecord>(output.Slice(offset, SocketEntryRecord.Size));
            entries.Add(new SocketSnapshotEntry
            {
                Protocol = (ProtocolType)r.Protocol,
                LocalAddress = RecordAddress.Decode(r.Family, r.Saddr),
                LocalPort = r.Sport,
                RemoteAddress = RecordAddress.Decode(r.Family, r.Daddr),
                RemotePort = r.Dport,
                State = (TcpState)r.State,
                Inode = r.Inode,
                Uid = (int)r.Uid,
                NetNamespaceId = r.Netns,
                CgroupId = r.CgroupId,
                Container = (r.CgroupId == 0 ? null : containers?.GetByCgroupId(r.CgroupId)) ?? namespaceContainer,
            });
        }
    }

    /// <summary>Detaches the iterators, unloads the programs and releases the selection.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _tcp.Dispose();
        _udp.Dispose();
        _object.Dispose();
        _selection?.Dispose();
    }
}
