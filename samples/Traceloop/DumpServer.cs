using System.Net.Sockets;
using System.Text;
using Gadget.CommandLine;
using Gadget.Traceloop;

namespace Traceloop;

/// <summary>
/// The Unix socket on which <c>traceloop watch</c> answers <c>traceloop dump</c>. A history holds what the containers read
/// and wrote (buffers, paths, addresses), so only root and the watch's own user are served: the socket is mode 0600, and
/// each connection's peer (SO_PEERCRED) is checked too, which also covers the moment between bind and chmod. Each client
/// is served on its own: one that connects and sends nothing is dropped after <see cref="RequestTimeout"/> and holds up
/// no other; the dumps themselves are written one at a time.
/// </summary>
internal sealed class DumpServer : IDisposable
{
    /// <summary>How long a client may take to send its request line.</summary>
    internal static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _listener;
    private readonly string _path;
    private readonly uint _ownUid = PeerTrust.EffectiveUserId();
    private readonly SemaphoreSlim _oneDumpAtATime = new(1, 1);
    private readonly bool _everyExitTime;
    private readonly (ulong Inode, long Changed) _fileId;

    /// <summary>
    /// Listens on <paramref name="path"/> (a socket file left there is replaced; anything else is refused), mode 0600;
    /// <paramref name="everyExitTime"/>: the watch reads every call's exit time (TraceloopOptions.ExitTimestamps), which a
    /// dump's -T needs.
    /// </summary>
    /// <exception cref="CommandLineException">(exit 1) No socket can be made there: the message names the path and what to do.</exception>
    internal DumpServer(string path, bool everyExitTime)
    {
        _path = path;
        _everyExitTime = everyExitTime;
        _listener = UnixSocketPath.Listen("--socket", path, UnixFileMode.UserRead | UnixFileMode.UserWrite, backlog: 16);
        _fileId = UnixSocketPath.FileIdOf(path);
    }

    /// <summary>Answers requests until <paramref name="cancellationToken"/> is cancelled.</summary>
    internal async Task ServeAsync(ContainerRecorder recorder, CancellationToken cancellationToken)
    {
        var clients = new List<Task>();
        try
        {
            while (true)
            {
                var client = await _listener.AcceptAsync(cancellationToken);
                clients.RemoveAll(t => t.IsCompleted);
                clients.Add(ServeClientAsync(client, recorder, cancellationToken));
            }
        }
        finally
        {
            await Task.WhenAll(clients);
        }
    }

    private async Task ServeClientAsync(Socket client, ContainerRecorder recorder, CancellationToken cancellationToken)
    {
        using var _ = client;
        try
        {
            await using var stream = new NetworkStream(client);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false));
            var peerUid = PeerCredentials.Read(client).Uid;
            if (peerUid != 0 && peerUid != _ownUid)
            {
                await writer.WriteLineAsync($"error: user {peerUid} may not ask this watch for dumps: only root and user {_ownUid} may (a history holds what the containers read and wrote).");
                return;
            }
            DumpRequest? request;
            string? refused;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(RequestTimeout);
                try
                {
                    (request, refused) = await DumpRequest.ReadAsync(client, timeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    (request, refused) = (null, $"no request line within {RequestTimeout.TotalSeconds:F0} s: expected one line 'text|json CONTAINER'.");
                }
            }
            if (request is null)
            {
                // Nothing of a request that is not whole is acted on (a cut line would name another container).
                await writer.WriteLineAsync("error: " + refused);
                return;
            }
            await _oneDumpAtATime.WaitAsync(cancellationToken);
            try
            {
                var history = recorder.Dump(request.Container);
                if (request.Printing is { Syscalls.Durations: true, Format: "text" } && !_everyExitTime)
                {
                    await writer.WriteLineAsync("--- traceloop: this watch reads the exit time only of calls that blocked or were preempted: -T shows no time for the others (start the watch with -T or --exit-timestamps) ---");
                }
                request.Printing.Print(history, writer);
            }
            catch (KeyNotFoundException e)
            {
                await writer.WriteLineAsync("error: " + e.Message);
            }
            finally
            {
                _oneDumpAtATime.Release();
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            // The client went away, or the watch stops: nothing to answer.
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        UnixSocketPath.Delete(_path, _fileId); // not another watch's, made there after this one's was removed

        _oneDumpAtATime.Dispose();
    }
}
