using Microsoft.Extensions.Logging.Abstractions;

namespace Gadget.Containers.Tests;

/// <summary>The registry on plain objects: no kernel, no root, no BPF map (selections write to <see cref="FakeSelectionMaps"/>).</summary>
public sealed class ContainerRegistryTests
{
    private readonly object _sender = new();
    private readonly ContainerRegistry _registry;

    public ContainerRegistryTests() => _registry = new ContainerRegistry(_sender, NullLogger.Instance);

    [Fact]
    public void IndexesAContainerByIdCgroupMountNamespaceAndInitPidUntilItIsRemoved()
    {
        var a = TestContainers.Make("a", 1);
        var b = TestContainers.Make("b", 2);
        Assert.Same(a, _registry.Add(a, "test"));
        Assert.Same(b, _registry.Add(b, "test"));

        Assert.Same(a, _registry.GetById("a"));
        Assert.Same(a, _registry.GetByCgroupId(a.CgroupId));
        Assert.Same(a, _registry.GetByMountNamespace(a.MountNamespaceId));
        Assert.Same(a, _registry.GetByInitPid(a.Pid));
        Assert.Same(b, _registry.GetByCgroupId(b.CgroupId));
        Assert.Equal(["a", "b"], _registry.Containers.Select(c => c.Id).Order());
        Assert.True(a.RegisteredAt > 0);

        Assert.True(_registry.Remove(a, null, "test"));
        Assert.Null(_registry.GetById("a"));
        Assert.Null(_registry.GetByCgroupId(a.CgroupId));
        Assert.Null(_registry.GetByMountNamespace(a.MountNamespaceId));
        Assert.Null(_registry.GetByInitPid(a.Pid));
        Assert.Same(b, _registry.GetById("b"));
        Assert.Equal(["b"], _registry.Containers.Select(c => c.Id));
    }

    [Fact]
    public void ASecondContainerOfTheSameIdOrCgroupIsNotAddedAndNobodyIsTold()
    {
        var first = TestContainers.Make("same", 1);
        var changes = Record();
        _registry.Add(first, "test");

        var sameId = TestContainers.Make("same", 2);
        var sameCgroup = TestContainers.Make("other", 3, cgroupId: first.CgroupId);
        Assert.Same(first, _registry.Add(sameId, "test"));
        Assert.Same(first, _registry.Add(sameCgroup, "test"));

        Assert.Equal(["Added same"], changes);
        Assert.Equal(1, _registry.Count);
        Assert.Null(_registry.GetById("other"));
        Assert.Null(_registry.GetByCgroupId(sameId.CgroupId));
        Assert.Null(_registry.GetByMountNamespace(sameCgroup.MountNamespaceId));
        Assert.Null(_registry.GetByInitPid(sameId.Pid));
        Assert.Equal(0ul, sameId.RegisteredAt);
    }

    [Fact]
    public void ARemovedContainerIsNotAddedAgainByALateSourceButARestartWithANewInitIs()
    {
        var changes = Record();
        var first = TestContainers.Make("ended", 1);
        _registry.Add(first, "test");
        Assert.True(_registry.Remove(first, null, "test"));

        // Another source read the runtime state while the init was still exiting: the same id and init pid come back.
        var late = TestContainers.Make("ended", 1);
        Assert.Same(late, _registry.Add(late, "late"));
        Assert.Null(_registry.GetById("ended"));
        Assert.Equal(0ul, late.RegisteredAt);

        // The same id with a new init process (and cgroup) is a restarted container.
        var restarted = TestContainers.Make("ended", 2, pid: 5000);
        Assert.Same(restarted, _registry.Add(restarted, "test"));
        Assert.Same(restarted, _registry.GetById("ended"));
        Assert.Equal(["Added ended", "Removed ended", "Added ended"], changes);
    }

    [Fact]
    public void RemovingAnUnknownContainerOrAnotherInstanceOfAKnownIdDoesNothing()
    {
        var known = TestContainers.Make("known", 1);
        _registry.Add(known, "test");
        var changes = Record();

        Assert.False(_registry.Remove(TestContainers.Make("never-added", 2), new ContainerExitStatus(3 << 8), "test"));
        var impostor = TestContainers.Make("known", 3);
        Assert.False(_registry.Remove(impostor, new ContainerExitStatus(9), "test"));
        Assert.Null(impostor.ExitStatus);
        Assert.Same(known, _registry.GetById("known"));
        Assert.Empty(changes);

        Assert.True(_registry.Remove(known, new ContainerExitStatus(3 << 8), "test"));
        Assert.False(_registry.Remove(known, new ContainerExitStatus(9), "test again"));
        Assert.Equal(["Removed known"], changes);
        Assert.Equal(3, known.ExitStatus?.ExitCode);
    }

    [Fact]
    public void ARemovalWithoutAStatusLeavesTheExitStatusUnknown()
    {
        var container = TestContainers.Make("unknown-end", 1);
        _registry.Add(container, "test");
        ContainerExitStatus? seen = new ContainerExitStatus(0x7f);
        _registry.Removed += (_, e) => seen = e.Container.ExitStatus;

        Assert.True(_registry.Remove(container, null, "cgroup removed"));

        Assert.Null(seen);
        Assert.Null(container.ExitStatus);
    }

    [Fact]
    public void SelectionsAreUpdatedBeforeTheHandlersWhoAreCalledBeforeTheSources()
    {
        var journal = new List<string>();
        var maps = new FakeSelectionMaps(journal);
        _registry.Subscribe(new SelectionMembership(ContainerSelector.All, maps));
        _registry.Added += (sender, e) => journal.Add($"Added {e.Container.Id} (in map: {maps.ContainsCgroup(e.Container.CgroupId)}, sender ok: {ReferenceEquals(sender, _sender)})");
        _registry.Removed += (_, e) => journal.Add($"Removed {e.Container.Id} (in map: {maps.ContainsCgroup(e.Container.CgroupId)})");
        _registry.Registered += c => journal.Add($"Registered {c.Id}");
        _registry.Preparing = c => journal.Add($"Preparing {c.Id} (indexed: {_registry.GetById(c.Id) is not null})");

        var c = TestContainers.Make("c", 7);
        _registry.Add(c, "test");
        _registry.Remove(c, null, "test");

        Assert.Equal(
            [
                "Preparing c (indexed: False)",
                $"cgroup+{c.CgroupId}", $"mntns+{c.MountNamespaceId}",
                "Added c (in map: True, sender ok: True)",
                "Registered c",
                $"cgroup-{c.CgroupId}", $"mntns-{c.MountNamespaceId}",
                "Removed c (in map: False)",
            ],
            journal);
    }

    [Fact]
    public void ASelectionHoldsExactlyTheMatchingContainersThroughAddUpdateAndRemove()
    {
        var maps = new FakeSelectionMaps();
        var web = new SelectionMembership(new ContainerSelector { Labels = ContainerSelector.ParseLabels("app=web") }, maps);
        var early = WebPod("early", 1, "web");
        var other = WebPod("other", 2, "db");
        _registry.Add(early, "test");
        _registry.Add(other, "test");

        // A selection made later starts with the matching containers already there.
        _registry.Subscribe(web);
        Assert.Equal(["early"], web.Containers.Select(c => c.Id));
        Assert.Equal([early.CgroupId], maps.Cgroups);

        // Two matching containers sharing a mount namespace: it stays in the map until the last one leaves.
        var sharedNamespace = early.MountNamespaceId;
        var sibling = TestContainers.InPod("sibling", 3, "ns", "pod-sibling", null, mountNamespaceId: sharedNamespace);
        sibling.ApplyPodLabels(new Dictionary<string, string> { ["app"] = "web" });
        _registry.Add(sibling, "test");
        Assert.Equal([early.CgroupId, sibling.CgroupId], maps.Cgroups.Order());
        Assert.Equal([sharedNamespace], maps.MountNamespaces);
        _registry.Remove(early, null, "test");
        Assert.Equal([sibling.CgroupId], maps.Cgroups);
        Assert.Equal([sharedNamespace], maps.MountNamespaces);

        // An update that makes a container match or stop matching moves it in or out.
        var updated = new List<string>();
        _registry.Updated += (_, e) => updated.Add($"{e.Container.Id} in map: {maps.ContainsCgroup(e.Container.CgroupId)}");
        var labelsOf = new Dictionary<string, string> { ["other"] = "web", ["sibling"] = "db" };
        Assert.Equal(2, _registry.Update(c => Relabel(c, labelsOf), "test"));
        Assert.Equal(["other in map: True", "sibling in map: False"], updated.Order());
        Assert.Equal(["other"], web.Containers.Select(c => c.Id));
        Assert.Equal([other.CgroupId], maps.Cgroups);
        Assert.Equal([other.MountNamespaceId], maps.MountNamespaces);

        // An update that changes nothing is not announced.
        Assert.Equal(0, _registry.Update(_ => false, "test"));
        Assert.Equal(2, updated.Count);

        _registry.Remove(other, null, "test");
        _registry.Remove(sibling, null, "test");
        Assert.Empty(web.Containers);
        Assert.Empty(maps.Cgroups);
        Assert.Empty(maps.MountNamespaces);
    }

    [Fact]
    public void AnUnsubscribedSelectionIsNoLongerUpdated()
    {
        var maps = new FakeSelectionMaps();
        var selection = new SelectionMembership(ContainerSelector.All, maps);
        _registry.Subscribe(selection);
        _registry.Add(TestContainers.Make("before", 1), "test");
        _registry.Unsubscribe(selection);
        _registry.Add(TestContainers.Make("after", 2), "test");
        Assert.Equal(["before"], selection.Containers.Select(c => c.Id));
    }

    [Fact]
    public void AFailingHandlerOrSelectionDoesNotStopTheOthers()
    {
        var seen = new List<string>();
        _registry.Subscribe(new SelectionMembership(ContainerSelector.All, new FakeSelectionMaps()));
        var broken = new FakeSelectionMaps();
        _registry.Subscribe(new SelectionMembership(ContainerSelector.All, broken));
        broken.Dispose(); // its writes throw now
        _registry.Added += (_, _) => throw new InvalidOperationException("a user's handler fails");
        _registry.Added += (_, e) => seen.Add("second handler " + e.Container.Id);
        _registry.Preparing = _ => throw new InvalidOperationException("a pod source fails");

        var c = TestContainers.Make("resilient", 1);
        Assert.Same(c, _registry.Add(c, "test"));

        Assert.Equal(["second handler resilient"], seen);
        Assert.Same(c, _registry.GetById("resilient"));
    }

    [Fact]
    public async Task AWatcherGetsTheKnownContainersThenEveryChangeInOrderAndEndsAtDispose()
    {
        var a = WebPod("a", 1, "v1");
        _registry.Add(a, "test");
        var seen = new List<string>();
        await using var changes = _registry.WatchAsync().GetAsyncEnumerator();
        Assert.True(await changes.MoveNextAsync()); // the watcher is registered once it has read what was there
        seen.Add($"{changes.Current.Kind} {changes.Current.Container.Id}");

        var b = TestContainers.Make("b", 2);
        _registry.Add(b, "test");
        _registry.Update(c => Relabel(c, new Dictionary<string, string> { ["a"] = "v2" }), "test");
        _registry.Remove(a, new ContainerExitStatus(0), "test");
        _registry.Remove(b, null, "test");
        _registry.Dispose();
        while (await changes.MoveNextAsync())
        {
            seen.Add($"{changes.Current.Kind} {changes.Current.Container.Id}");
        }

        Assert.Equal(["Added a", "Added b", "Updated a", "Removed a", "Removed b"], seen);
    }

    [Fact]
    public async Task AWatcherCancelledStopsAndIsForgotten()
    {
        using var stop = new CancellationTokenSource();
        _registry.Add(TestContainers.Make("a", 1), "test");
        var enumerator = _registry.WatchAsync(stop.Token).GetAsyncEnumerator();
        Assert.True(await enumerator.MoveNextAsync());
        var next = enumerator.MoveNextAsync();
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await next);
        await enumerator.DisposeAsync();
        // Changes after the cancellation go nowhere (and throw nothing).
        _registry.Add(TestContainers.Make("b", 2), "test");
    }

    [Fact]
    public async Task WaitForContainerReturnsOneAddedLaterOrNullWhenNoneCame()
    {
        var waiting = _registry.WaitForContainerAsync(c => c.Id == "later", Timeout.InfiniteTimeSpan, CancellationToken.None);
        _registry.Add(TestContainers.Make("not-this-one", 1), "test");
        var later = TestContainers.Make("later", 2);
        _registry.Add(later, "test");
        Assert.Same(later, await waiting);

        Assert.Null(await _registry.WaitForContainerAsync(c => c.Id == "never", TimeSpan.FromMilliseconds(20), CancellationToken.None));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _registry.WaitForContainerAsync(c => c.Id == "never", Timeout.InfiniteTimeSpan, cancelled.Token));
    }

    [Fact]
    public async Task DisposeClosesTheSelectionsEndsTheWatchersAndIgnoresLaterChanges()
    {
        var maps = new FakeSelectionMaps();
        var selection = new SelectionMembership(ContainerSelector.All, maps);
        _registry.Subscribe(selection);
        var a = TestContainers.Make("a", 1);
        _registry.Add(a, "test");
        var changes = Record();

        _registry.Dispose();
        _registry.Dispose();

        Assert.True(maps.Disposed);
        Assert.True(selection.IsClosed);
        Assert.Empty(selection.Containers);
        Assert.False(_registry.Remove(a, new ContainerExitStatus(0), "after dispose"));
        Assert.Null(a.ExitStatus);
        var b = TestContainers.Make("b", 2);
        Assert.Same(b, _registry.Add(b, "after dispose"));
        Assert.Null(_registry.GetById("b"));
        Assert.Equal(0, _registry.Update(_ => true, "after dispose"));
        Assert.Empty(changes);
        Assert.Throws<ObjectDisposedException>(() => _registry.Subscribe(new SelectionMembership(ContainerSelector.All, new FakeSelectionMaps())));
        // A watcher started after the end gets what is known and ends.
        var after = new List<string>();
        await foreach (var change in _registry.WatchAsync())
        {
            after.Add(change.Container.Id);
        }
        Assert.Equal(["a"], after);
    }

    [Fact]
    public void CountsThePodsContainersButNotItsSandbox()
    {
        _registry.Add(TestContainers.InPod("sandbox", 1, "ns", "pod", "uid", sandbox: true), "test");
        _registry.Add(TestContainers.InPod("one", 2, "ns", "pod", "uid"), "test");
        _registry.Add(TestContainers.InPod("two", 3, "ns", "pod", "uid"), "test");
        _registry.Add(TestContainers.InPod("elsewhere", 4, "other", "pod", "uid"), "test");
        Assert.Equal(2, _registry.CountPodContainers("ns", "pod"));
        Assert.Equal(1, _registry.CountPodContainers("other", "pod"));
        Assert.Equal(0, _registry.CountPodContainers("ns", "nope"));
    }

    /// <summary>Records "Kind id" of every change announced from now on.</summary>
    private List<string> Record()
    {
        var changes = new List<string>();
        void OnChange(object? sender, ContainerEventArgs e) => changes.Add($"{e.Kind} {e.Container.Id}");
        _registry.Added += OnChange;
        _registry.Removed += OnChange;
        _registry.Updated += OnChange;
        return changes;
    }

    /// <summary>A container of a pod whose labels (from a pod metadata source) say app=<paramref name="app"/>.</summary>
    private static Container WebPod(string id, int n, string app)
    {
        var container = TestContainers.InPod(id, n, "ns", "pod-" + id, "uid-" + id);
        container.ApplyPodLabels(new Dictionary<string, string> { ["app"] = app });
        return container;
    }

    /// <summary>An update as a pod metadata source makes one: the containers named in <paramref name="appOf"/> get their
    /// pod's label app=that value; returns whether the container's labels changed.</summary>
    private static bool Relabel(Container container, Dictionary<string, string> appOf) =>
        appOf.TryGetValue(container.Id, out var app) && container.ApplyPodLabels(new Dictionary<string, string> { ["app"] = app });
}
