using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Gadget.Linux;
using Microsoft.Extensions.Logging;

namespace Gadget.Containers;

/// <summary>
/// The OCI hook (samples/Gadget.OciHook) as a source of containers: a Unix socket server. The hook sends one line,
/// <c>{"phase":"createRuntime","runtime":"runc","state":{...OCI state...}}</c>, and waits; the server adds the container to
/// the registry (or, at <c>poststop</c>, reports its init process gone), then answers <c>ok</c> (or <c>error: ...</c>). The
/// runtime is blocked in the hook meanwhile, so the container's process cannot start before the selections' maps are ready.
/// </summary>
internal sealed class OciHookServer : IDisposable
{
    /// <summary>The longest request read: an OCI state is a few KiB (Kubernetes caps a pod's annotations at 256 KiB).</summary>
    internal const int MaxRequestLength = 1 << 20;

    private readonly Socket _listener;
    private readonly ContainerRegistry _registry;
    private readonly Action<Container, string> _initGone;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;

    /// <param name="path">The socket's path (a stale socket there is replaced).</param>
    /// <param name="registry">Where hooked containers are added.</param>
    /// <param name="initGone">Told about a container whose <c>poststop</c> hook ran (it decides when to remove it, and with which status).</param>
    /// <param name="logger">Where diagnostics go.</param>
    internal OciHookServer(string path, ContainerRegistry registry, Action<Container, string> initGone, ILogger logger)
    {
        Path = path;
        _registry = registry;
        _initGone = initGone;
        _logger = logger;
        if (File.Exists(path))
        {
            File.Delete(path); // a stale socket of an earlier run
        }
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            // Born 0600 whatever the process umask: a client adds containers and reports them stopped, so only root may
            // connect (umask is process-wide: restored right after bind).
            var previous = Libc.umask(0x7F); // 0177
            try
            {
                _listener.Bind(new UnixDomainSocketEndPoint(path));
            }
            finally
            {
                Libc.umask(previous);
            }
            _listener.Listen(64);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }
        _acceptLoop = Task.Run(AcceptLoop);
    }

    internal string Path { get; }

    public void Dispose()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }
        _stopping.Cancel();
        _listener.Dispose();
        try
        {
            _acceptLoop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
        }
        _stopping.Dispose();
    }

    /// <summary>A container being created or started is added (unless known); a stopped one is reported gone.</summary>
    internal void Handle(OciHookRequest request)
    {
        var state = request.State;
        if (request.Phase is "poststop")
        {
            if (_registry.GetById(state.Id) is { } stopped)
            {
                _initGone(stopped, "poststop hook");
            }
            return;
        }
        var runtime = request.Runtime ?? ContainerRuntime.Runc;
        if (_registry.GetById(state.Id) is null && ContainerFactory.Create(state with { Runtime = runtime }, _registry.CountPodContainers) is { } container)
        {
            _registry.Add(container, request.Phase + " hook");
        }
    }

    private async Task AcceptLoop()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(Socket client)
    {
        using (client)
        {
            string answer;
            try
            {
                var request = await ReadRequest(client).ConfigureAwait(false);
                Handle(request);
                answer = "ok\n";
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "OCI hook request failed");
                answer = "error: " + e.Message.ReplaceLineEndings(" ") + "\n";
            }
            try
            {
                await client.SendAsync(Encoding.UTF8.GetBytes(answer), SocketFlags.None).ConfigureAwait(false);
            }
            catch (SocketException)
            {
            }
        }
    }

    private async Task<OciHookRequest> ReadRequest(Socket client)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var buffer = new MemoryStream();
        var chunk = new byte[4096];
        while (true)
        {
            var read = await client.ReceiveAsync(chunk, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            if (buffer.Length + read > MaxRequestLength)
            {
                throw new InvalidDataException($"The hook request is longer than {MaxRequestLength} bytes.");
            }
            buffer.Write(chunk, 0, read);
            if (Array.IndexOf(chunk, (byte)'\n', 0, read) >= 0)
            {
                break;
            }
        }
        using var document = JsonDocument.Parse(buffer.ToArray());
        var root = document.RootElement;
        var phase = root.GetProperty("phase").GetString() ?? throw new FormatException("The hook request has no phase.");
        ContainerRuntime? runtime = root.TryGetProperty("runtime", out var r) && Enum.TryParse<ContainerRuntime>(r.GetString(), ignoreCase: true, out var parsed) ? parsed : null;
        var state = RuntimeStateReader.ParseOciState(root.GetProperty("state").GetRawText()) ?? throw new FormatException("The hook's OCI state has no id.");
        return new OciHookRequest(phase, runtime, state);
    }
}
