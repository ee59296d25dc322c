namespace Gadget.Containers.Tests;

/// <summary>The collection's side of <see cref="IPodMetadataSource"/>, with a source that is a plain dictionary (the
/// Kubernetes API one is tested in Gadget.Containers.Kubernetes.Tests): real runc containers, real BPF maps.</summary>
public sealed class PodMetadataSourceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task LabelsFromTheSourceSelectAContainerAndAChangeIsAnUpdatedEventAfterTheMapsMoved()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var pods = new DictionaryPodSource();
        pods.Set(new PodMetadata { Namespace = "ns", Name = "pod-" + tag, Uid = "uid-" + tag, Labels = new Dictionary<string, string> { ["app"] = "a-" + tag } });
        var annotations = new Dictionary<string, string>
        {
            ["io.kubernetes.cri.container-type"] = "container",
            ["io.kubernetes.cri.sandbox-name"] = "pod-" + tag,
            ["io.kubernetes.cri.sandbox-namespace"] = "ns",
            ["io.kubernetes.cri.sandbox-uid"] = "uid-" + tag,
            ["io.kubernetes.cri.container-name"] = "main",
        };
        using var runc = RuncContainer.Create(RuncContainer.NewId("podsrc"), ["sleep", "60"], annotations);
        using var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = Timeout.InfiniteTimeSpan, PodMetadataSource = pods });
        using var a = collection.Select(new ContainerSelector { Labels = ContainerSelector.ParseLabels($"app=a-{tag}") });
        using var b = collection.Select(new ContainerSelector { Labels = ContainerSelector.ParseLabels($"app=b-{tag}") });
        var container = collection.GetById(runc.Id);
        Assert.NotNull(container);
        Assert.Equal("a-" + tag, container.Labels["app"]);
        Assert.True(a.ContainsCgroup(container.CgroupId));
        Assert.False(b.ContainsCgroup(container.CgroupId));

        using var stop = new CancellationTokenSource(Patience);
        // Other containers of the machine come and go too: only this one's changes count.
        await using var changes = collection.WatchAsync(stop.Token).Where(c => c.Container.Id == runc.Id).GetAsyncEnumerator(stop.Token);
        Assert.True(await changes.MoveNextAsync());
        Assert.Equal(ContainerEventKind.Added, changes.Current.Kind);
        (bool InA, bool InB)? mapsWhenRaised = null;
        collection.ContainerUpdated += (_, e) => mapsWhenRaised = (a.ContainsCgroup(e.Container.CgroupId), b.ContainsCgroup(e.Container.CgroupId));

        // The source reports a change: the collection moved the container between the maps before it told anyone.
        pods.Set(new PodMetadata { Namespace = "ns", Name = "pod-" + tag, Uid = "uid-" + tag, Labels = new Dictionary<string, string> { ["app"] = "b-" + tag } });
        Assert.Equal((false, true), mapsWhenRaised);
        Assert.True(await changes.MoveNextAsync());
        Assert.Equal(ContainerEventKind.Updated, changes.Current.Kind);
        Assert.Same(container, changes.Current.Container);
        Assert.Equal("b-" + tag, container.Kubernetes!.PodLabels["app"]);

        // A change of another pod, of another UID, or a deletion changes nothing.
        mapsWhenRaised = null;
        pods.Set(new PodMetadata { Namespace = "other", Name = "pod-" + tag, Labels = new Dictionary<string, string> { ["app"] = "a-" + tag } });
        pods.Set(new PodMetadata { Namespace = "ns", Name = "pod-" + tag, Uid = "older-uid", Labels = new Dictionary<string, string> { ["app"] = "a-" + tag } });
        pods.Delete("ns", "pod-" + tag);
        Assert.Null(mapsWhenRaised);
        Assert.True(b.ContainsCgroup(container.CgroupId));
        Assert.Equal("b-" + tag, container.Labels["app"]);

        collection.Dispose();
        Assert.Equal(0, pods.Subscribers);
    }
}
