using System.Collections.Concurrent;
using System.Reflection;

namespace Gadget.Containers.Tests;

public sealed class ContainerCollectionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public void ListsRunningContainersWithTheirCgroupNamespacesAndPodMetadata()
    {
        var annotations = new Dictionary<string, string>
        {
            ["io.kubernetes.cri.container-type"] = "container",
            ["io.kubernetes.cri.sandbox-name"] = "mypod",
            ["io.kubernetes.cri.sandbox-namespace"] = "myns",
            ["io.kubernetes.cri.sandbox-uid"] = "uid-1",
            ["io.kubernetes.cri.container-name"] = "web",
            ["tier"] = "bar",
        };
        using var pod = RuncContainer.Create(RuncContainer.NewId("list-k8s"), ["sleep", "30"], annotations);
        using var plain = RuncContainer.Create(RuncContainer.NewId("list-plain"), ["sleep", "30"]);
        using var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = Timeout.InfiniteTimeSpan });

        var container = collection.GetById(pod.Id);
        Assert.NotNull(container);
        var pid = pod.Pid;
        Assert.Equal(pid, container.Pid);
        Assert.Equal("/" + pod.Id, container.CgroupPath);
        Assert.Equal(Kernel.Inode("/sys/fs/cgroup/unified/" + pod.Id), container.CgroupId);
        Assert.Equal(Kernel.Inode($"/proc/{pid}/ns/mnt", followLinks: true), container.MountNamespaceId);
        Assert.Equal(Kernel.Inode($"/proc/{pid}/ns/pid", followLinks: true), container.PidNamespaceId);
        Assert.Equal(Kernel.Inode($"/proc/{pid}/ns/uts", followLinks: true), container.UtsNamespaceId);
        Assert.Equal(Kernel.Inode($"/proc/{pid}/ns/net", followLinks: true), container.NetNamespaceId);
        Assert.NotEqual(Kernel.Inode("/proc/self/ns/mnt", followLinks: true), container.MountNamespaceId);
        Assert.Equal(pod.Bundle, container.Bundle);
        Assert.Equal("bar", container.Annotations["tier"]);
        Assert.Equal("/sys/fs/cgroup/unified/" + pod.Id, container.CgroupPaths[string.Empty]);
        Assert.True(container.CgroupPaths.ContainsKey("memory"), "hybrid machine: v1 controllers are listed too");

        Assert.Equal(ContainerRuntime.Containerd, container.Runtime);
        Assert.NotNull(container.Kubernetes);
        Assert.Equal("mypod", container.Kubernetes.PodName);
        Assert.Equal("myns", container.Kubernetes.Namespace);
        Assert.Equal("web", container.Kubernetes.ContainerName);
        Assert.Equal("uid-1", container.Kubernetes.PodUid);
        Assert.Equal("web", container.Name);

        Assert.Same(container, collection.GetByPid(pid));
        Assert.Same(container, collection.GetByCgroupId(container.CgroupId));
        Assert.Same(container, collection.GetByMountNamespace(container.MountNamespaceId));

        var other = collection.GetById(plain.Id);
        Assert.NotNull(other);
        Assert.Equal(ContainerRuntime.Runc, other.Runtime);
        Assert.Equal(plain.Id, other.Name);
        Assert.Null(other.Kubernetes);
        Assert.NotEqual(container.CgroupId, other.CgroupId);
        Assert.Null(collection.GetByPid(Environment.ProcessId));
    }

    [Fact]
    public async Task BpfDetectionRegistersANewContainerAndReportsItsExitCode()
    {
        using var probe = new TestProbe();
        // No rescans: only the kernel's events can make the collection see the container.
        var log = new TestLogger();
        using var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = Timeout.InfiniteTimeSpan, Logger = log });
        Assert.True(collection.IsEarlyDetectionActive);
        var id = RuncContainer.NewId("early");
        using var selection = collection.Select(new ContainerSelector { IdPrefix = id });
        var added = new TaskCompletionSource<(Container Container, ulong At, bool InMap)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var removed = new TaskCompletionSource<Container>(TaskCreationOptions.RunContinuationsAsynchronously);
        collection.ContainerAdded += (_, e) =>
        {
            if (e.Container.Id == id)
            {
                added.TrySetResult((e.Container, Gadget.Bpf.BpfEnvironment.BootTimeNanoseconds, selection.ContainsCgroup(e.Container.CgroupId)));
            }
        };
        collection.ContainerRemoved += (_, e) =>
        {
            if (e.Container.Id == id)
            {
                removed.TrySetResult(e.Container);
            }
        };

        using var runc = RuncContainer.Run(id, ["sh", "-c", "echo started; sleep 0.2; exit 3"]);
        var finished = await Task.WhenAny(added.Task, Task.Delay(Patience));
        Assert.True(finished == added.Task, "never added:\n" + log);
        var (container, _, inMap) = await added.Task;
        var ended = await removed.Task.WaitAsync(Patience);

        Assert.Same(container, ended);
        Assert.Equal(3, ended.ExitStatus?.ExitCode);
        Assert.Null(ended.ExitStatus?.Signal);
        Assert.True(inMap, "the selection's map held the container's cgroup when ContainerAdded was raised");
        // The collection no longer holds a new container until it is registered (no process is ever stopped): a tracer
        // that must see the first syscall records it in the kernel (traceloop's ring pool, tests/Gadget.Tracers.Tests).
        // What the kernel saw inside the container's init process is what the collection says.
        var identity = probe.Identity(container.Pid);
        Assert.NotNull(identity);
        Assert.Equal(container.CgroupId, identity.Value.CgroupId);
        Assert.Equal(container.MountNamespaceId, identity.Value.MountNamespace);
        Assert.Same(container, collection.GetByCgroupId(identity.Value.CgroupId) ?? ended);
        Assert.Contains("started", runc.Output, StringComparison.Ordinal);
        Assert.False(selection.ContainsCgroup(container.CgroupId));
        Assert.Null(collection.GetById(id));
    }

    [Fact]
    public async Task ReportsASignalDeath()
    {
        using var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = Timeout.InfiniteTimeSpan });
        var id = RuncContainer.NewId("killed");
        var removed = WatchRemoval(collection, id);
        using var runc = RuncContainer.Create(id, ["sleep", "60"]);
        var container = await collection.WaitForContainerAsync(c => c.Id == id, Patience);
        Assert.NotNull(container);
        runc.Kill("KILL");
        var ended = await removed.Task.WaitAsync(Patience);
        Assert.Equal(9, ended.ExitStatus?.Signal);
        Assert.Null(ended.ExitStatus?.ExitCode);
        Assert.Equal("killed by signal 9", ended.ExitStatus.ToString());
    }

    [Fact]
    public async Task OciHookRegistersTheContainerBeforeItRunsWithoutBpf()
    {
        var hookAssembly = typeof(ContainerCollectionTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "OciHookAssembly").Value!;
        Assert.True(File.Exists(hookAssembly), hookAssembly);
        var socket = Path.Combine(Path.GetTempPath(), $"gadget-hook-{Guid.NewGuid():N}.sock");
        using var probe = new TestProbe();
        using var collection = new ContainerCollection(new ContainerCollectionOptions { UseBpf = false, RescanInterval = Timeout.InfiniteTimeSpan, HookSocketPath = socket });
        Assert.False(collection.IsEarlyDetectionActive);
        var id = RuncContainer.NewId("hooked");
        using var selection = collection.Select(new ContainerSelector { Name = id });
        var removed = WatchRemoval(collection, id);
        (string, string[]) Hook(string phase) => ("/usr/bin/dotnet", ["dotnet", hookAssembly, "--socket", socket, "--phase", phase, "--runtime", "runc"]);
        var hooks = new Dictionary<string, (string, string[])[]> { ["createRuntime"] = [Hook("createRuntime")], ["poststop"] = [Hook("poststop")] };

        var runc = RuncContainer.Create(id, ["sh", "-c", "echo hooked; sleep 30"], hooks: hooks, start: false);
        Container? container;
        try
        {
            // runc create returned: the hook has been acknowledged, so the collection knows the container already.
            container = collection.GetById(id);
            Assert.NotNull(container);
            Assert.Equal(ContainerRuntime.Runc, container.Runtime);
            Assert.True(selection.ContainsCgroup(container.CgroupId));
            Assert.Null(probe.FirstSyscall(container.CgroupId));
            runc.Start();
            var deadline = DateTime.UtcNow + Patience;
            while (probe.FirstSyscall(container.CgroupId) is null && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
            var firstSyscall = probe.FirstSyscall(container.CgroupId);
            Assert.NotNull(firstSyscall);
            Assert.True(container.RegisteredAt < firstSyscall);
            Assert.Equal(container.CgroupId, probe.Identity(container.Pid)?.CgroupId);
        }
        finally
        {
            runc.Dispose(); // runc delete -f runs the poststop hook
        }
        var ended = await removed.Task.WaitAsync(Patience);
        Assert.Same(container, ended);
        Assert.False(selection.ContainsCgroup(container.CgroupId));
        collection.Dispose();
        Assert.False(File.Exists(socket));
    }

    [Fact]
    public async Task SelectionMapsStayExactThroughChurnWithoutLeaks()
    {
        const int Count = 30;
        var tag = Guid.NewGuid().ToString("N")[..8];
        var log = new TestLogger();
        using var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = TimeSpan.FromMilliseconds(500), Logger = log });
        using var selection = collection.Select(new ContainerSelector { Labels = ContainerSelector.ParseLabels($"churn={tag},tier=odd") });
        using var everything = collection.Select(ContainerSelector.All);
        var added = new ConcurrentDictionary<string, Container>();
        var removed = new ConcurrentDictionary<string, Container>();
        collection.ContainerAdded += (_, e) => { if (e.Container.Labels.GetValueOrDefault("churn") == tag && !e.Container.Labels.ContainsKey("anchor")) added[e.Container.Id] = e.Container; };
        collection.ContainerRemoved += (_, e) => { if (e.Container.Labels.GetValueOrDefault("churn") == tag && !e.Container.Labels.ContainsKey("anchor")) removed[e.Container.Id] = e.Container; };
        // One long-lived container of the selection lives through the churn: it must stay in the selection's map all along,
        // and the lookups racing with the churn must always resolve it to itself.
        var anchorLabels = new Dictionary<string, string> { ["churn"] = tag, ["tier"] = "odd", ["anchor"] = "yes" };
        using var anchorRunc = RuncContainer.Create(RuncContainer.NewId("churn-anchor"), ["sleep", "120"], anchorLabels);
        var anchor = await collection.WaitForContainerAsync(c => c.Id == anchorRunc.Id, Patience);
        Assert.NotNull(anchor);
        using var stopLookups = new CancellationTokenSource();
        var anchorLookups = 0;
        // Lookups race with containers vanishing: they must answer null or a container, never throw.
        var lookupTask = Task.Run(() =>
        {
            while (!stopLookups.IsCancellationRequested)
            {
                foreach (var c in collection.Containers)
                {
                    _ = collection.GetByPid(c.Pid);
                    _ = collection.GetByCgroupId(c.CgroupId);
                    _ = collection.GetByMountNamespace(c.MountNamespaceId);
                }
                Assert.Equal(anchor.Id, collection.GetByPid(anchor.Pid)?.Id);
                Assert.Equal(anchor.Id, collection.GetByCgroupId(anchor.CgroupId)?.Id);
                Assert.Equal(anchor.Id, collection.GetByMountNamespace(anchor.MountNamespaceId)?.Id);
                anchorLookups++;
                Thread.Yield();
            }
        });
        // Warm-up: the runtime loads assemblies (mapped as fds) and creates process pipes lazily on first use.
        using (var warmUp = RuncContainer.Create(RuncContainer.NewId("churn-warmup"), ["true"]))
        {
            Assert.True(warmUp.WaitStopped(Patience));
        }
        var fdsBefore = Kernel.Fds();
        for (var i = 0; i < Count; i++)
        {
            var labels = new Dictionary<string, string> { ["churn"] = tag, ["tier"] = i % 2 == 1 ? "odd" : "even" };
            using var runc = RuncContainer.Create(RuncContainer.NewId($"churn{i}"), ["sh", "-c", i % 3 == 0 ? "sleep 0.1" : "true"], labels);
            Assert.True(runc.WaitStopped(Patience));
            Assert.True(selection.CgroupIds.As<ulong, byte>().TryLookup(anchor.CgroupId, out _), $"the anchor left the selection's map after container {i}");
        }
        var deadline = DateTime.UtcNow + Patience;
        while ((added.Count < Count || removed.Count < Count) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        await stopLookups.CancelAsync();
        await lookupTask;
        Assert.True(anchorLookups > 0, "the lookup thread never ran");
        Assert.Equal([anchor.CgroupId], selection.CgroupIds.As<ulong, byte>().Keys);
        var anchorRemoved = WatchRemoval(collection, anchor.Id);
        anchorRunc.Kill("KILL");
        await anchorRemoved.Task.WaitAsync(Patience);

        var others = string.Join("; ", collection.Containers.Select(c => c.ToString()));
        Assert.True(Count == added.Count && Count == removed.Count, $"added {added.Count}, removed {removed.Count} of {Count}; still listed: {others}\nmissing: {string.Join(", ", Enumerable.Range(0, Count).Where(i => !added.Keys.Any(k => k.StartsWith($"churn{i}-", StringComparison.Ordinal))))}\n{string.Join("\n", log.Lines.Where(l => !l.Contains("churn-warm", StringComparison.Ordinal)))}");
        Assert.All(removed.Values, c => Assert.Equal(0, c.ExitStatus?.ExitCode));
        Assert.Empty(selection.Containers);
        Assert.Empty(selection.CgroupIds.As<ulong, byte>().Keys);
        Assert.Empty(selection.MountNamespaceIds.As<ulong, byte>().Keys);
        var everyCgroup = everything.CgroupIds.As<ulong, byte>().Keys.ToHashSet();
        Assert.DoesNotContain(everyCgroup, id => added.Values.Any(c => c.CgroupId == id));
        Assert.Equal(collection.Containers.Select(c => c.CgroupId).Order(), everyCgroup.Order());
        Assert.DoesNotContain(collection.Containers, c => c.Labels.GetValueOrDefault("churn") == tag);
        using (var coolDown = RuncContainer.Create(RuncContainer.NewId("churn-cooldown"), ["true"]))
        {
            Assert.True(coolDown.WaitStopped(Patience));
        }
        var fdsAfter = Kernel.Fds();
        Assert.True(fdsAfter.Count <= fdsBefore.Count, $"file descriptors: {fdsBefore.Count} before, {fdsAfter.Count} after {Count} containers; new: {string.Join(", ", fdsAfter.Except(fdsBefore))}");
    }

    [Fact]
    public async Task AVanishedContainerGivesNullNotAnException()
    {
        using var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = Timeout.InfiniteTimeSpan });
        var id = RuncContainer.NewId("vanish");
        var removed = WatchRemoval(collection, id);
        using var runc = RuncContainer.Create(id, ["sleep", "60"]);
        var container = await collection.WaitForContainerAsync(c => c.Id == id, Patience);
        Assert.NotNull(container);
        var pid = container.Pid;
        runc.Kill("KILL");
        await removed.Task.WaitAsync(Patience);

        Assert.Null(collection.GetById(id));
        Assert.Null(collection.GetByPid(pid));
        Assert.Null(collection.GetByCgroupId(container.CgroupId));
        Assert.Null(collection.GetByMountNamespace(container.MountNamespaceId));
        // Removed at the kernel's exit event, which comes while the process is still in do_exit: give it a moment to end.
        for (var wait = 0; wait < 100 && ProcessInspector.IsAlive(pid); wait++)
        {
            await Task.Delay(20);
        }
        Assert.False(ProcessInspector.IsAlive(pid)); // a zombie (if nobody reaped it yet) is not alive
        Assert.Equal(0ul, ProcessInspector.GetNamespaceId(pid, "mnt"));
        // Its state is still there (stopped, not deleted), but its process is gone: no container.
        var state = new RuntimeStateReader().FindById(id);
        Assert.NotNull(state);
        Assert.Null(ContainerFactory.Create(state));
        collection.Rescan();
        Assert.Null(collection.GetById(id));
    }

    /// <summary>Completes with the container <paramref name="id"/> when the collection reports it removed.</summary>
    private static TaskCompletionSource<Container> WatchRemoval(ContainerCollection collection, string id)
    {
        var removed = new TaskCompletionSource<Container>(TaskCreationOptions.RunContinuationsAsynchronously);
        collection.ContainerRemoved += (_, e) =>
        {
            if (e.Container.Id == id)
            {
                removed.TrySetResult(e.Container);
            }
        };
        return removed;
    }
}
