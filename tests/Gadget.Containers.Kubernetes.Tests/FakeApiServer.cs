using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Gadget.Containers.Kubernetes.Tests;

/// <summary>
/// The two calls of the Kubernetes REST API that a pod watcher makes, served on a loopback port: <c>GET /api/v1/pods</c>
/// (a PodList, filtered by <c>fieldSelector=spec.nodeName=NODE</c>) and the same with <c>watch=true</c> (a chunked stream of
/// newline-separated watch events). Pods change through <see cref="SetPod"/> and <see cref="DeletePod"/>; every change gets
/// the next resource version and goes to the open watches whose node it concerns. Requests need the bearer token of the
/// kubeconfig it writes.
/// </summary>
public sealed class FakeApiServer : IAsyncDisposable
{
    public const string Token = "gadget-test-token";
    private readonly HttpListener _listener = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Namespace, string Name), JsonObject> _pods = [];
    private readonly List<Watch> _watches = [];
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private readonly List<Task> _handlers = [];
    private long _resourceVersion = 100;
    private int _failNextLists;
    private int _expireNextWatches;

    public FakeApiServer()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoop);
        Kubeconfig = Path.Combine(Path.GetTempPath(), $"gadget-kubeconfig-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(Kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: http://127.0.0.1:{Port}
            users:
            - name: fake
              user:
                token: {Token}
            contexts:
            - name: fake
              context:
                cluster: fake
                user: fake
            current-context: fake
            """);
    }

    public int Port { get; }

    /// <summary>A kubeconfig file pointing at this server.</summary>
    public string Kubeconfig { get; }

    /// <summary>Every request as "METHOD path?query", in order.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    public int ListRequests => _requests.Count(r => r.StartsWith("GET /api/v1/pods", StringComparison.Ordinal) && !r.Contains("watch=true", StringComparison.Ordinal));

    public int WatchRequests => _requests.Count(r => r.Contains("watch=true", StringComparison.Ordinal));

    /// <summary>The watches open now.</summary>
    public int OpenWatches
    {
        get
        {
            lock (_gate)
            {
                return _watches.Count;
            }
        }
    }

    public string CurrentResourceVersion => Interlocked.Read(ref _resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Creates or replaces a pod; open watches get ADDED or MODIFIED.</summary>
    public void SetPod(string node, string @namespace, string name, string uid, IReadOnlyDictionary<string, string> labels, string phase = "Running")
    {
        var rv = Interlocked.Increment(ref _resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var labelNode = new JsonObject();
        foreach (var (key, value) in labels)
        {
            labelNode[key] = value;
        }
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = @namespace,
                ["uid"] = uid,
                ["resourceVersion"] = rv,
                ["labels"] = labelNode,
                ["annotations"] = new JsonObject { ["kubernetes.io/config.source"] = "api" },
            },
            ["spec"] = new JsonObject
            {
                ["nodeName"] = node,
                ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = "busybox" }),
            },
            ["status"] = new JsonObject { ["phase"] = phase },
        };
        lock (_gate)
        {
            var type = _pods.ContainsKey((@namespace, name)) ? "MODIFIED" : "ADDED";
            _pods[(@namespace, name)] = pod;
            Send(type, pod);
        }
    }

    /// <summary>Deletes a pod; open watches get DELETED.</summary>
    public void DeletePod(string @namespace, string name)
    {
        var rv = Interlocked.Increment(ref _resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);
        lock (_gate)
        {
            if (_pods.Remove((@namespace, name), out var pod))
            {
                var deleted = (JsonObject)pod.DeepClone();
                deleted["metadata"]!["resourceVersion"] = rv;
                Send("DELETED", deleted);
            }
        }
    }

    /// <summary>Changes a pod while no watch is open to see it (as if the events were lost): only a new list shows it.</summary>
    public void SetPodSilently(string node, string @namespace, string name, string uid, IReadOnlyDictionary<string, string> labels)
    {
        List<Watch> open;
        lock (_gate)
        {
            open = [.. _watches];
            _watches.Clear();
        }
        SetPod(node, @namespace, name, uid, labels);
        lock (_gate)
        {
            _watches.AddRange(open);
        }
    }

    /// <summary>Ends every open watch (the server closes the stream, as at its timeoutSeconds).</summary>
    public void CloseWatches()
    {
        lock (_gate)
        {
            foreach (var watch in _watches)
            {
                watch.Events.Writer.TryComplete();
            }
            _watches.Clear();
        }
    }

    /// <summary>Ends every open watch with an ERROR event carrying 410 Gone ("too old resource version"), and answers the
    /// next <paramref name="count"/> watch requests the same way.</summary>
    public void ExpireWatches(int count = 1)
    {
        Interlocked.Exchange(ref _expireNextWatches, count);
        lock (_gate)
        {
            foreach (var watch in _watches)
            {
                watch.Events.Writer.TryWrite(GoneEvent().ToJsonString());
                watch.Events.Writer.TryComplete();
            }
            _watches.Clear();
        }
    }

    /// <summary>The next <paramref name="count"/> list requests get 500 Internal Server Error.</summary>
    public void FailNextLists(int count) => Interlocked.Exchange(ref _failNextLists, count);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        CloseWatches();
        _listener.Stop();
        _listener.Close();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or OperationCanceledException)
        {
        }
        Task[] handlers;
        lock (_gate)
        {
            handlers = [.. _handlers];
        }
        await Task.WhenAll(handlers).WaitAsync(TimeSpan.FromSeconds(10));
        File.Delete(Kubeconfig);
        _stopping.Dispose();
    }

    private static JsonObject GoneEvent() => new()
    {
        ["type"] = "ERROR",
        ["object"] = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = "too old resource version: 1 (2)",
            ["reason"] = "Expired",
            ["code"] = 410,
        },
    };

    private void Send(string type, JsonObject pod)
    {
        var node = pod["spec"]!["nodeName"]!.GetValue<string>();
        var line = new JsonObject { ["type"] = type, ["object"] = pod.DeepClone() }.ToJsonString();
        foreach (var watch in _watches)
        {
            if (watch.Node == node)
            {
                watch.Events.Writer.TryWrite(line);
            }
        }
    }

    private async Task AcceptLoop()
    {
        while (!_stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            var handler = Task.Run(() => HandleAsync(context));
            lock (_gate)
            {
                _handlers.RemoveAll(t => t.IsCompleted);
                _handlers.Add(handler);
            }
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            _requests.Enqueue($"{request.HttpMethod} {request.Url!.PathAndQuery}");
            if (request.Headers["Authorization"] != "Bearer " + Token)
            {
                await WriteAsync(response, 401, Status(401, "Unauthorized", "no or wrong bearer token").ToJsonString());
                return;
            }
            if (request.HttpMethod != "GET" || request.Url.AbsolutePath != "/api/v1/pods")
            {
                await WriteAsync(response, 404, Status(404, "NotFound", "the fake API server serves GET /api/v1/pods only").ToJsonString());
                return;
            }
            var fieldSelector = request.QueryString["fieldSelector"];
            const string prefix = "spec.nodeName=";
            if (fieldSelector is null || !fieldSelector.StartsWith(prefix, StringComparison.Ordinal))
            {
                await WriteAsync(response, 400, Status(400, "BadRequest", "expected fieldSelector=spec.nodeName=NODE").ToJsonString());
                return;
            }
            var node = fieldSelector[prefix.Length..];
            if (request.QueryString["watch"] == "true")
            {
                await ServeWatchAsync(response, node);
                return;
            }
            if (Interlocked.Decrement(ref _failNextLists) >= 0)
            {
                await WriteAsync(response, 500, Status(500, "InternalError", "injected failure").ToJsonString());
                return;
            }
            Interlocked.Exchange(ref _failNextLists, 0);
            JsonObject list;
            lock (_gate)
            {
                list = new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "PodList",
                    ["metadata"] = new JsonObject { ["resourceVersion"] = CurrentResourceVersion },
                    ["items"] = new JsonArray([.. _pods.Values.Where(p => p["spec"]!["nodeName"]!.GetValue<string>() == node).Select(p => (JsonNode)p.DeepClone())]),
                };
            }
            await WriteAsync(response, 200, list.ToJsonString());
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away.
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }

    private async Task ServeWatchAsync(HttpListenerResponse response, string node)
    {
        response.StatusCode = 200;
        response.ContentType = "application/json";
        response.SendChunked = true;
        var watch = new Watch(node);
        if (Interlocked.Decrement(ref _expireNextWatches) >= 0)
        {
            watch.Events.Writer.TryWrite(GoneEvent().ToJsonString());
            watch.Events.Writer.TryComplete();
        }
        else
        {
            Interlocked.Exchange(ref _expireNextWatches, 0);
            lock (_gate)
            {
                _watches.Add(watch);
            }
        }
        var output = response.OutputStream;
        await output.FlushAsync();
        try
        {
            await foreach (var line in watch.Events.Reader.ReadAllAsync(_stopping.Token))
            {
                var bytes = Encoding.UTF8.GetBytes(line + "\n");
                await output.WriteAsync(bytes, _stopping.Token);
                await output.FlushAsync(_stopping.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _watches.Remove(watch);
            }
        }
    }

    private static JsonObject Status(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    private static async Task WriteAsync(HttpListenerResponse response, int status, string json)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes(json);
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
    }

    private sealed class Watch(string node)
    {
        public string Node { get; } = node;

        public Channel<string> Events { get; } = Channel.CreateUnbounded<string>();
    }
}
