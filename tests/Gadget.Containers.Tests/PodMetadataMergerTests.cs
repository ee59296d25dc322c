using Microsoft.Extensions.Logging.Abstractions;

namespace Gadget.Containers.Tests;

/// <summary>Pod labels merged into the registry's containers, on plain objects (no kernel, no root).</summary>
public sealed class PodMetadataMergerTests
{
    private readonly DictionaryPodSource _pods = new();
    private readonly ContainerRegistry _registry = new(new object(), NullLogger.Instance);

    [Fact]
    public void AContainerIsAddedWithItsPodsLabelsAndSelectedByThem()
    {
        _pods.Set(Pod("ns", "web", "uid-1", "web"));
        using var merger = new PodMetadataMerger(_pods, _registry, NullLogger.Instance);
        _registry.Preparing = merger.Apply;
        var maps = new FakeSelectionMaps();
        _registry.Subscribe(new SelectionMembership(new ContainerSelector { Labels = ContainerSelector.ParseLabels("app=web") }, maps));
        var inMapWhenAdded = new List<bool>();
        _registry.Added += (_, e) => inMapWhenAdded.Add(maps.ContainsCgroup(e.Container.CgroupId));

        var known = TestContainers.InPod("known", 1, "ns", "web", "uid-1");
        var otherUid = TestContainers.InPod("other-uid", 2, "ns", "web", "uid-2");
        var unknownPod = TestContainers.InPod("unknown", 3, "ns", "nope", null);
        _registry.Add(known, "test");
        _registry.Add(otherUid, "test");
        _registry.Add(unknownPod, "test");

        Assert.Equal("web", known.Labels["app"]);
        Assert.Equal("web", known.Kubernetes!.PodLabels["app"]);
        Assert.False(otherUid.Labels.ContainsKey("app"));
        Assert.False(unknownPod.Labels.ContainsKey("app"));
        Assert.Equal([true, false, false], inMapWhenAdded);
        Assert.Equal([known.CgroupId], maps.Cgroups);
    }

    [Fact]
    public void APodChangeUpdatesItsContainersOnlyAndMovesThemBetweenSelections()
    {
        _pods.Set(Pod("ns", "p", "uid-1", "a"));
        using var merger = new PodMetadataMerger(_pods, _registry, NullLogger.Instance);
        _registry.Preparing = merger.Apply;
        var a = new FakeSelectionMaps();
        var b = new FakeSelectionMaps();
        _registry.Subscribe(new SelectionMembership(new ContainerSelector { Labels = ContainerSelector.ParseLabels("app=a") }, a));
        _registry.Subscribe(new SelectionMembership(new ContainerSelector { Labels = ContainerSelector.ParseLabels("app=b") }, b));
        var first = TestContainers.InPod("first", 1, "ns", "p", "uid-1");
        var second = TestContainers.InPod("second", 2, "ns", "p", null);
        var bystander = TestContainers.InPod("bystander", 3, "other", "p", "uid-1");
        _registry.Add(first, "test");
        _registry.Add(second, "test");
        _registry.Add(bystander, "test");
        var updated = new List<string>();
        _registry.Updated += (_, e) => updated.Add($"{e.Container.Id} a:{a.ContainsCgroup(e.Container.CgroupId)} b:{b.ContainsCgroup(e.Container.CgroupId)}");

        _pods.Set(Pod("ns", "p", "uid-1", "b"));

        Assert.Equal(["first a:False b:True", "second a:False b:True"], updated.Order());
        Assert.Equal([first.CgroupId, second.CgroupId], b.Cgroups.Order());
        Assert.Empty(a.Cgroups);
        Assert.False(bystander.Labels.ContainsKey("app"));

        // The same labels again, a pod of another UID, another namespace, or a deletion: nothing changes, nobody is told.
        updated.Clear();
        _pods.Set(Pod("ns", "p", "uid-1", "b"));
        _pods.Set(Pod("ns", "p", "uid-9", "a"));
        _pods.Set(Pod("elsewhere", "p", "uid-1", "a"));
        _pods.Delete("ns", "p");
        Assert.Equal(["second a:True b:False"], updated); // only the container without a UID can belong to a pod of UID uid-9
        Assert.Equal("b", first.Labels["app"]);
    }

    [Fact]
    public void DisposeUnsubscribesFromTheSource()
    {
        var merger = new PodMetadataMerger(_pods, _registry, NullLogger.Instance);
        Assert.Equal(1, _pods.Subscribers);
        merger.Dispose();
        merger.Dispose();
        Assert.Equal(0, _pods.Subscribers);
    }

    private static PodMetadata Pod(string ns, string name, string uid, string app) =>
        new() { Namespace = ns, Name = name, Uid = uid, Labels = new Dictionary<string, string> { ["app"] = app } };
}
