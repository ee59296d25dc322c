using System.Collections.Concurrent;
using System.Globalization;

namespace Gadget.Containers.Kubernetes.Tests;

/// <summary>The source's cache against a loopback server speaking the Kubernetes REST API's list and watch.</summary>
public sealed class PodCacheTests
{
    private static KubernetesPodMetadataSourceOptions Options(string node, TestLogger log) => new()
    {
        NodeName = node,
        Logger = log,
        InitialRetryDelay = TimeSpan.FromMilliseconds(50),
        MaxRetryDelay = TimeSpan.FromMilliseconds(200),
    };

    private static string Node() => "node-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task ListsOnlyItsNodesPodsThenFollowsAddedModifiedAndDeleted()
    {
        await using var server = new FakeApiServer();
        var node = Node();
        server.SetPod(node, "prod", "web-1", "uid-web-1", new Dictionary<string, string> { ["app"] = "web" });
        server.SetPod("other-node", "prod", "db-1", "uid-db-1", new Dictionary<string, string> { ["app"] = "db" });
        var log = new TestLogger();
        await using var source = KubernetesPodMetadataSource.StartFromKubeconfig(server.Kubeconfig, Options(node, log));
        await source.WaitForSyncAsync().WaitAsync(Wait.Patience);
        // The first list's events were raised before the sync completed: from here on, only the watch's.
        var changes = new ConcurrentQueue<PodMetadataChangedEventArgs>();
        source.PodChanged += (_, e) => changes.Enqueue(e);

        Assert.True(source.TryGetPod("prod", "web-1", "uid-web-1", out var web), log.ToString());
        Assert.Equal("web", web.Labels["app"]);
        Assert.Equal("api", web.Annotations["kubernetes.io/config.source"]);
        Assert.Equal("uid-web-1", web.Uid);
        Assert.True(source.TryGetPod("prod", "web-1", null, out _));
        Assert.False(source.TryGetPod("prod", "web-1", "uid-of-an-older-pod", out _));
        Assert.False(source.TryGetPod("prod", "db-1", null, out _));
        Assert.Equal(["web-1"], source.Pods.Select(p => p.Name));
        Assert.Contains(server.Requests, r => r.StartsWith("GET /api/v1/pods?", StringComparison.Ordinal) && r.Contains("fieldSelector=spec.nodeName%3D" + node, StringComparison.Ordinal));
        Assert.True(await Wait.UntilAsync(() => server.OpenWatches == 1), "the source did not open a watch\n" + log);

        server.SetPod(node, "prod", "web-2", "uid-web-2", new Dictionary<string, string> { ["app"] = "web", ["track"] = "canary" });
        // A status-only change (same labels and annotations) is no change of metadata: no event for it.
        server.SetPod(node, "prod", "web-1", "uid-web-1", new Dictionary<string, string> { ["app"] = "web" }, phase: "Succeeded");
        server.SetPod(node, "prod", "web-1", "uid-web-1", new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" });
        server.SetPod("other-node", "prod", "db-2", "uid-db-2", new Dictionary<string, string> { ["app"] = "db" });
        server.DeletePod("prod", "web-2");
        Assert.True(await Wait.UntilAsync(() => changes.Count >= 3), $"{changes.Count} changes\n{log}");

        var seen = changes.ToArray();
        Assert.True(seen.Length == 3, string.Join("; ", seen.Select(c => $"{c.Name} {c.Pod?.Labels.Count}")));
        Assert.Equal(("web-2", "canary"), (seen[0].Name, seen[0].Pod!.Labels["track"]));
        Assert.Equal(("web-1", "front"), (seen[1].Name, seen[1].Pod!.Labels["tier"]));
        Assert.Equal(("web-2", "uid-web-2"), (seen[2].Name, seen[2].Uid));
        Assert.Null(seen[2].Pod);
        Assert.False(source.TryGetPod("prod", "web-2", null, out _));
        Assert.False(source.TryGetPod("prod", "db-2", null, out _));
        Assert.True(source.TryGetPod("prod", "web-1", "uid-web-1", out web));
        Assert.Equal("front", web.Labels["tier"]);
        Assert.Equal(1, source.ListCount);
    }

    [Fact]
    public async Task AClosedWatchIsReopenedFromTheLastResourceVersionWithoutAList()
    {
        await using var server = new FakeApiServer();
        var node = Node();
        server.SetPod(node, "ns", "p", "uid-p", new Dictionary<string, string> { ["v"] = "1" });
        var log = new TestLogger();
        await using var source = KubernetesPodMetadataSource.StartFromKubeconfig(server.Kubeconfig, Options(node, log));
        await source.WaitForSyncAsync().WaitAsync(Wait.Patience);
        Assert.True(await Wait.UntilAsync(() => server.OpenWatches == 1), log.ToString());
        server.SetPod(node, "ns", "p", "uid-p", new Dictionary<string, string> { ["v"] = "2" });
        Assert.True(await Wait.UntilAsync(() => source.TryGetPod("ns", "p", null, out var p) && p.Labels["v"] == "2"), log.ToString());
        var lastVersion = server.CurrentResourceVersion;

        server.CloseWatches();
        Assert.True(await Wait.UntilAsync(() => server.OpenWatches == 1 && server.WatchRequests == 2), $"no second watch\n{log}");
        server.SetPod(node, "ns", "p", "uid-p", new Dictionary<string, string> { ["v"] = "3" });
        Assert.True(await Wait.UntilAsync(() => source.TryGetPod("ns", "p", null, out var p) && p.Labels["v"] == "3"), log.ToString());

        Assert.Equal(1, server.ListRequests);
        Assert.Equal(1, source.ListCount);
        var secondWatch = server.Requests.Where(r => r.Contains("watch=true", StringComparison.Ordinal)).ElementAt(1);
        Assert.Contains("resourceVersion=" + lastVersion, secondWatch, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExpiredWatchLeadsToANewListThatCatchesUpWithWhatWasMissed()
    {
        await using var server = new FakeApiServer();
        var node = Node();
        server.SetPod(node, "ns", "kept", "uid-kept", new Dictionary<string, string> { ["v"] = "1" });
        server.SetPod(node, "ns", "gone", "uid-gone", new Dictionary<string, string> { ["v"] = "1" });
        var log = new TestLogger();
        await using var source = KubernetesPodMetadataSource.StartFromKubeconfig(server.Kubeconfig, Options(node, log));
        var changes = new ConcurrentQueue<PodMetadataChangedEventArgs>();
        source.PodChanged += (_, e) => changes.Enqueue(e);
        await source.WaitForSyncAsync().WaitAsync(Wait.Patience);
        Assert.True(await Wait.UntilAsync(() => server.OpenWatches == 1), log.ToString());

        // Changes the watch never delivers, then 410 Gone: only a new list can show them.
        server.SetPodSilently(node, "ns", "kept", "uid-kept", new Dictionary<string, string> { ["v"] = "2" });
        server.SetPodSilently(node, "ns", "new", "uid-new", new Dictionary<string, string> { ["v"] = "1" });
        server.ExpireWatches();
        Assert.True(await Wait.UntilAsync(() => source.ListCount == 2 && changes.Count >= 3), $"lists {source.ListCount}, changes {changes.Count}\n{log}");

        Assert.True(source.TryGetPod("ns", "kept", null, out var kept));
        Assert.Equal("2", kept.Labels["v"]);
        Assert.True(source.TryGetPod("ns", "new", null, out _));
        Assert.True(source.TryGetPod("ns", "gone", null, out _), "'gone' is still on the server");
        Assert.Equal(2, server.ListRequests);
        Assert.Contains(changes, c => c.Name == "kept" && c.Pod?.Labels["v"] == "2");
        Assert.Contains(changes, c => c.Name == "new" && c.Pod is not null);
        Assert.Contains(log.Lines, l => l.Contains("expired", StringComparison.Ordinal));

        // A pod deleted while no watch saw it is reported deleted by the next list.
        server.CloseWatches();
        server.DeletePod("ns", "gone");
        server.ExpireWatches();
        Assert.True(await Wait.UntilAsync(() => source.ListCount >= 3 && !source.TryGetPod("ns", "gone", null, out _)), log.ToString());
        Assert.Contains(changes, c => c.Name == "gone" && c.Pod is null);
    }

    [Fact]
    public async Task FailedListsAreRetriedWithBackoffUntilTheServerAnswers()
    {
        await using var server = new FakeApiServer();
        var node = Node();
        server.SetPod(node, "ns", "p", "uid-p", new Dictionary<string, string> { ["app"] = "x" });
        server.FailNextLists(3);
        var log = new TestLogger();
        await using var source = KubernetesPodMetadataSource.StartFromKubeconfig(server.Kubeconfig, Options(node, log));
        await source.WaitForSyncAsync().WaitAsync(Wait.Patience);

        Assert.True(source.TryGetPod("ns", "p", "uid-p", out _));
        Assert.Equal(4, server.ListRequests);
        Assert.Equal(4, source.ListCount);
        Assert.Equal(3, log.Lines.Count(l => l.StartsWith("Warning:", StringComparison.Ordinal) && l.Contains("retrying", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AWrongTokenIsLoggedAndRetriedNeverSynced()
    {
        await using var server = new FakeApiServer();
        var node = Node();
        var kubeconfig = server.Kubeconfig + ".wrong";
        File.WriteAllText(kubeconfig, File.ReadAllText(server.Kubeconfig).Replace(FakeApiServer.Token, "not-the-token", StringComparison.Ordinal));
        try
        {
            var log = new TestLogger();
            await using var source = KubernetesPodMetadataSource.StartFromKubeconfig(kubeconfig, Options(node, log));
            Assert.True(await Wait.UntilAsync(() => source.ListCount >= 2), log.ToString());
            Assert.False(source.IsSynced);
            Assert.Contains(log.Lines, l => l.Contains("Unauthorized", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    [Fact]
    public async Task DisposingClosesTheConnectionsAndLeaksNoDescriptors()
    {
        await using var server = new FakeApiServer();
        var node = Node();
        server.SetPod(node, "ns", "p", "uid-p", new Dictionary<string, string> { ["app"] = "x" });
        // Warm-up: the runtime loads assemblies and creates its sockets and pipes lazily on first use.
        await RunOnce();
        var fdsBefore = Kernel.Fds();
        for (var i = 0; i < 5; i++)
        {
            await RunOnce();
        }
        // The in-process server closes its end of the last connection when its handler sees the end of the watch.
        var fdsAfter = Kernel.Fds();
        await Wait.UntilAsync(() => (fdsAfter = Kernel.Fds()).Count <= fdsBefore.Count);
        Assert.True(fdsAfter.Count <= fdsBefore.Count, $"file descriptors: {fdsBefore.Count} before, {fdsAfter.Count} after; new: {string.Join(", ", fdsAfter.Except(fdsBefore))}");

        async Task RunOnce()
        {
            var log = new TestLogger();
            var watches = server.WatchRequests;
            var source = KubernetesPodMetadataSource.StartFromKubeconfig(server.Kubeconfig, Options(node, log));
            await source.WaitForSyncAsync().WaitAsync(Wait.Patience);
            Assert.True(await Wait.UntilAsync(() => EstablishedTo(server.Port) > 0 && server.WatchRequests > watches && server.OpenWatches == 1), $"established {EstablishedTo(server.Port)}, watch requests {server.WatchRequests} (were {watches}), open watches {server.OpenWatches}\n{log}");
            await source.DisposeAsync();
            // The client's end of every connection to the server is closed once DisposeAsync returns.
            Assert.Equal(0, EstablishedTo(server.Port));
            Assert.True(source.IsSynced);
            // The server's end: its watch handler ends, and the connection with it.
            server.CloseWatches();
        }
    }

    [Fact]
    public async Task BadArgumentsAreRejectedWithClearExceptions()
    {
        await using var server = new FakeApiServer();
        var missing = Path.Combine(Path.GetTempPath(), "no-such-kubeconfig-" + Guid.NewGuid().ToString("N"));
        var notFound = Assert.Throws<FileNotFoundException>(() => KubernetesPodMetadataSource.StartFromKubeconfig(missing, new KubernetesPodMetadataSourceOptions { NodeName = "n" }));
        Assert.Contains(missing, notFound.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => KubernetesPodMetadataSource.StartFromKubeconfig(server.Kubeconfig, new KubernetesPodMetadataSourceOptions { NodeName = " " }));
        Assert.Throws<ArgumentOutOfRangeException>(() => KubernetesPodMetadataSource.StartFromKubeconfig(server.Kubeconfig, new KubernetesPodMetadataSourceOptions { NodeName = "n", InitialRetryDelay = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => KubernetesPodMetadataSource.StartFromKubeconfig(server.Kubeconfig, new KubernetesPodMetadataSourceOptions { NodeName = "n", InitialRetryDelay = TimeSpan.FromSeconds(5), MaxRetryDelay = TimeSpan.FromSeconds(1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => KubernetesPodMetadataSource.StartFromKubeconfig(server.Kubeconfig, new KubernetesPodMetadataSourceOptions { NodeName = "n", WatchTimeout = TimeSpan.FromMilliseconds(10) }));
        // None of them reached the server.
        Assert.Empty(server.Requests);
    }

    /// <summary>Client-side TCP connections in state ESTABLISHED to 127.0.0.1:<paramref name="port"/> (/proc/net/tcp and tcp6: .NET's sockets are dual-mode).</summary>
    private static int EstablishedTo(int port) =>
        File.ReadAllLines("/proc/net/tcp").Skip(1).Concat(File.ReadAllLines("/proc/net/tcp6").Skip(1))
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(f => int.Parse(f[2].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port && f[3] == "01");
}
