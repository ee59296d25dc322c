using System.Collections.Concurrent;

namespace Gadget.Containers.Kubernetes.Tests;

/// <summary>Real runc containers carrying containerd's CRI annotations (pod name, namespace and UID, no labels), a real
/// <see cref="ContainerCollection"/> with its BPF program, and pod labels that only the (loopback) API server knows.</summary>
public sealed class ContainerLabelsFromApiTests
{
    private static bool InMap(ContainerSelection selection, ulong cgroupId) => selection.CgroupIds.As<ulong, byte>().Keys.Contains(cgroupId);

    [Fact]
    public async Task ALabelKnownOnlyToTheApiSelectsANewContainerBeforeItRunsAndLabelChangesMoveItInAndOutOfTheMaps()
    {
        await using var server = new FakeApiServer();
        var node = "node-" + Guid.NewGuid().ToString("N")[..8];
        var tag = Guid.NewGuid().ToString("N")[..8];
        var ns = "team-" + tag;
        var podName = "web-" + tag;
        var uid = Guid.NewGuid().ToString();
        server.SetPod(node, ns, podName, uid, new Dictionary<string, string> { ["app"] = "web-" + tag });
        var log = new TestLogger();
        await using var source = KubernetesPodMetadataSource.StartFromKubeconfig(server.Kubeconfig, new KubernetesPodMetadataSourceOptions { NodeName = node, Logger = log });
        await source.WaitForSyncAsync().WaitAsync(Wait.Patience);

        await using var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = Timeout.InfiniteTimeSpan, PodMetadataSource = source, Logger = log });
        Assert.True(collection.IsEarlyDetectionActive);
        using var web = collection.Select(new ContainerSelector { Labels = ContainerSelector.ParseLabels($"app=web-{tag}") });
        using var canary = collection.Select(new ContainerSelector { Labels = ContainerSelector.ParseLabels($"app=web-{tag},track=canary") });
        var id = RuncContainer.NewId("k8sapi");
        var added = new TaskCompletionSource<(Container Container, bool InMap)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var updates = new ConcurrentQueue<Container>();
        collection.ContainerAdded += (_, e) =>
        {
            if (e.Container.Id == id)
            {
                added.TrySetResult((e.Container, web.ContainsCgroup(e.Container.CgroupId)));
            }
        };
        collection.ContainerUpdated += (_, e) =>
        {
            if (e.Container.Id == id)
            {
                updates.Enqueue(e.Container);
            }
        };

        using var runc = RuncContainer.Run(id, ["sleep", "60"], CriAnnotations.Containerd(ns, podName, uid, "nginx"));
        var (container, inMapWhenAdded) = await added.Task.WaitAsync(Wait.Patience);

        // The annotations name the pod; the API server gave its labels, before the container's first instruction ran.
        Assert.Equal(ContainerRuntime.Containerd, container.Runtime);
        Assert.Equal(podName, container.Kubernetes!.PodName);
        Assert.DoesNotContain(container.Annotations.Keys, k => k == "app");
        Assert.Equal("web-" + tag, container.Kubernetes.PodLabels["app"]);
        Assert.Equal("web-" + tag, container.Labels["app"]);
        Assert.True(inMapWhenAdded, "the selection's BPF map held the container's cgroup when ContainerAdded was raised\n" + log);
        Assert.Equal(Kernel.Inode("/sys/fs/cgroup/unified/" + id), container.CgroupId);
        Assert.True(InMap(web, container.CgroupId));
        Assert.Contains(container.MountNamespaceId, web.MountNamespaceIds.As<ulong, byte>().Keys);
        Assert.False(InMap(canary, container.CgroupId));

        // MODIFIED adds a label: the container joins the canary selection's maps.
        server.SetPod(node, ns, podName, uid, new Dictionary<string, string> { ["app"] = "web-" + tag, ["track"] = "canary" });
        Assert.True(await Wait.UntilAsync(() => InMap(canary, container.CgroupId)), "the container did not join the canary selection\n" + log);
        Assert.True(InMap(web, container.CgroupId));
        Assert.Equal("canary", container.Labels["track"]);
        Assert.Same(container, Assert.Single(updates));
        Assert.Contains(canary.Containers, c => c.Id == id);

        // MODIFIED changes the label: it leaves both selections' maps (cgroup and mount namespace).
        server.SetPod(node, ns, podName, uid, new Dictionary<string, string> { ["app"] = "api-" + tag, ["track"] = "canary" });
        Assert.True(await Wait.UntilAsync(() => !InMap(web, container.CgroupId)), "the container did not leave the web selection\n" + log);
        Assert.False(InMap(canary, container.CgroupId));
        Assert.DoesNotContain(container.MountNamespaceId, web.MountNamespaceIds.As<ulong, byte>().Keys);
        Assert.Empty(web.Containers);
        Assert.Equal("api-" + tag, container.Kubernetes.PodLabels["app"]);

        // The server closes the watch; the source watches again and the next change still arrives.
        server.CloseWatches();
        Assert.True(await Wait.UntilAsync(() => server.WatchRequests >= 2 && server.OpenWatches == 1), "no new watch\n" + log);
        server.SetPod(node, ns, podName, uid, new Dictionary<string, string> { ["app"] = "web-" + tag });
        Assert.True(await Wait.UntilAsync(() => InMap(web, container.CgroupId)), "no rejoin after a re-watch\n" + log);
        Assert.False(container.Labels.ContainsKey("track"));

        // The watch expires (410) while a change is lost: the re-list brings it, and the container leaves again.
        server.SetPodSilently(node, ns, podName, uid, new Dictionary<string, string> { ["app"] = "gone-" + tag });
        server.ExpireWatches();
        Assert.True(await Wait.UntilAsync(() => !InMap(web, container.CgroupId)), "the re-list after 410 Gone did not update the container\n" + log);
        Assert.True(source.ListCount >= 2);
        Assert.Equal(4, updates.Count);
        Assert.Same(container, collection.GetById(id));
    }

    [Fact]
    public async Task APodTheApiLearnsAboutLaterJoinsTheSelectionOfItsLabelsAndAnotherPodWithTheSameNameDoesNot()
    {
        await using var server = new FakeApiServer();
        var node = "node-" + Guid.NewGuid().ToString("N")[..8];
        var tag = Guid.NewGuid().ToString("N")[..8];
        var log = new TestLogger();
        await using var source = KubernetesPodMetadataSource.StartFromKubeconfig(server.Kubeconfig, new KubernetesPodMetadataSourceOptions { NodeName = node, Logger = log });
        await source.WaitForSyncAsync().WaitAsync(Wait.Patience);
        using var runc = RuncContainer.Create(RuncContainer.NewId("k8slate"), ["sleep", "60"], CriAnnotations.Containerd("late", "db-" + tag, "uid-new-" + tag, "postgres"));
        // The container runs before the collection starts (found by the runtime state scan), and before the API knows its pod.
        await using var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = Timeout.InfiniteTimeSpan, PodMetadataSource = source, Logger = log });
        using var db = collection.Select(new ContainerSelector { Labels = ContainerSelector.ParseLabels($"app=db-{tag}") });
        var updates = new ConcurrentQueue<PodMetadata?>();
        collection.ContainerUpdated += (_, e) =>
        {
            if (e.Container.Id == runc.Id)
            {
                updates.Enqueue(source.TryGetPod("late", "db-" + tag, null, out var pod) ? pod : null);
            }
        };
        var container = collection.GetById(runc.Id);
        Assert.NotNull(container);
        Assert.Empty(container.Kubernetes!.PodLabels);
        Assert.False(InMap(db, container.CgroupId));
        Assert.True(await Wait.UntilAsync(() => server.OpenWatches == 1), log.ToString());

        // A pod of that name but another UID (an older incarnation) does not lend its labels.
        server.SetPod(node, "late", "db-" + tag, "uid-old-" + tag, new Dictionary<string, string> { ["app"] = "db-" + tag });
        Assert.True(await Wait.UntilAsync(() => source.TryGetPod("late", "db-" + tag, null, out _)), log.ToString());
        // The pod with the container's UID (the API serves one pod per name, so it replaces the old one).
        server.SetPod(node, "late", "db-" + tag, "uid-new-" + tag, new Dictionary<string, string> { ["app"] = "db-" + tag, ["role"] = "primary" });
        Assert.True(await Wait.UntilAsync(() => InMap(db, container.CgroupId)), log.ToString());
        Assert.Equal("primary", container.Labels["role"]);
        // The source reports changes one after the other: the old UID's was handled before, and changed nothing.
        Assert.Equal("uid-new-" + tag, Assert.Single(updates)?.Uid);

        // The pod is deleted (its containers are ending): the container keeps its labels until it is gone.
        server.DeletePod("late", "db-" + tag);
        Assert.True(await Wait.UntilAsync(() => !source.TryGetPod("late", "db-" + tag, null, out _)), log.ToString());
        Assert.True(InMap(db, container.CgroupId));
        runc.Kill();
        Assert.True(await Wait.UntilAsync(() => !InMap(db, container.CgroupId)), "the ended container stayed in the map\n" + log);
        Assert.Null(collection.GetById(runc.Id));
    }

    [Fact]
    public async Task CriOAnnotationLabelsStayAndTheApiWinsOnAConflict()
    {
        await using var server = new FakeApiServer();
        var node = "node-" + Guid.NewGuid().ToString("N")[..8];
        var tag = Guid.NewGuid().ToString("N")[..8];
        var uid = "uid-" + tag;
        server.SetPod(node, "crio", "app-" + tag, uid, new Dictionary<string, string> { ["app"] = "from-api", ["api-only"] = "yes" });
        var log = new TestLogger();
        await using var source = KubernetesPodMetadataSource.StartFromKubeconfig(server.Kubeconfig, new KubernetesPodMetadataSourceOptions { NodeName = node, Logger = log });
        await source.WaitForSyncAsync().WaitAsync(Wait.Patience);
        var annotations = new Dictionary<string, string>
        {
            ["io.kubernetes.pod.name"] = "app-" + tag,
            ["io.kubernetes.pod.namespace"] = "crio",
            ["io.kubernetes.pod.uid"] = uid,
            ["io.kubernetes.container.name"] = "main",
            ["io.kubernetes.cri-o.ContainerType"] = "container",
            ["io.kubernetes.cri-o.Labels"] = $$"""{"app":"from-crio","tier":"crio-{{tag}}","io.kubernetes.pod.name":"app-{{tag}}"}""",
        };
        using var runc = RuncContainer.Create(RuncContainer.NewId("k8scrio"), ["sleep", "60"], annotations);
        await using var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = Timeout.InfiniteTimeSpan, PodMetadataSource = source, Logger = log });
        using var fromApi = collection.Select(new ContainerSelector { Labels = ContainerSelector.ParseLabels($"app=from-api,tier=crio-{tag}") });
        using var fromCrio = collection.Select(new ContainerSelector { Labels = ContainerSelector.ParseLabels($"app=from-crio,tier=crio-{tag}") });
        var container = collection.GetById(runc.Id);
        Assert.NotNull(container);

        Assert.Equal(ContainerRuntime.CriO, container.Runtime);
        Assert.Equal("from-api", container.Kubernetes!.PodLabels["app"]);
        Assert.Equal("crio-" + tag, container.Kubernetes.PodLabels["tier"]);
        Assert.Equal("yes", container.Labels["api-only"]);
        Assert.True(InMap(fromApi, container.CgroupId));
        Assert.False(InMap(fromCrio, container.CgroupId));

        // The API drops its 'app': the annotation's value shows through again.
        server.SetPod(node, "crio", "app-" + tag, uid, new Dictionary<string, string> { ["api-only"] = "yes" });
        Assert.True(await Wait.UntilAsync(() => InMap(fromCrio, container.CgroupId)), log.ToString());
        Assert.False(InMap(fromApi, container.CgroupId));
        Assert.Equal("from-crio", container.Labels["app"]);
    }
}
