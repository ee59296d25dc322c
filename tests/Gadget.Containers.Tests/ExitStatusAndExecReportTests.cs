using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Gadget.Containers.Tests;

/// <summary>
/// Real processes and runc containers, the real BPF program: a process that execs in a new cgroup is reported by the
/// kernel and registered whether or not the exec hold is on, held only with the hold; exit statuses are the kernel's,
/// and unknown (null) when nobody reported one.
/// </summary>
public sealed class ExitStatusAndExecReportTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task AnExecInANewCgroupIsRegisteredFromTheKernelsReportWithoutStoppingIt()
    {
        var name = "gadget-exec-" + Guid.NewGuid().ToString("N")[..12];
        var cgroup = Path.Combine(ProcessInspector.Cgroup2MountPoint, name);
        var gate = Path.Combine(Path.GetTempPath(), name + ".gate");
        var log = new TestLogger();
        // No runtime knows this cgroup and nothing rescans: only the kernel's exec report can make it a container.
        using var collection = new ContainerCollection(new ContainerCollectionOptions
        {
            RescanInterval = Timeout.InfiniteTimeSpan,
            StateWaitTimeout = TimeSpan.FromMilliseconds(200),
            Logger = log,
        });
        var removed = new TaskCompletionSource<Container>(TaskCreationOptions.RunContinuationsAsynchronously);
        collection.ContainerRemoved += (_, e) =>
        {
            if (e.Container.Id == name)
            {
                removed.TrySetResult(e.Container);
            }
        };
        Directory.CreateDirectory(cgroup);
        Process? process = null;
        try
        {
            var cgroupId = Kernel.Inode(cgroup);
            // The shell moves itself into the new cgroup, then unshare execs a shell in a mount namespace of its own: the
            // exec the kernel reports. That shell waits for the gate, then exits with 7.
            var inner = $"while [ ! -e {gate} ]; do sleep 0.05; done; exit 7";
            var script = $"echo $$ > {cgroup}/cgroup.procs && exec unshare -m sh -c '{inner}'";
            process = Process.Start(new ProcessStartInfo("sh", ["-c", script]))!;

            var container = await collection.WaitForContainerAsync(c => c.CgroupId == cgroupId, Patience);
            Assert.True(container is not null, log.ToString());
            Assert.Equal(ContainerRuntime.Cgroup, container.Runtime);
            Assert.Equal(name, container.Id);
            Assert.Equal(process.Id, container.Pid);
            Assert.NotEqual(Kernel.Inode("/proc/self/ns/mnt", followLinks: true), container.MountNamespaceId);
            Assert.Equal(container.MountNamespaceId, Kernel.Inode($"/proc/{container.Pid}/ns/mnt", followLinks: true));

            // Never stopped: it runs (or sleeps) while the collection registers it.
            for (var sample = 0; sample < 10; sample++)
            {
                var stat = File.ReadAllText($"/proc/{container.Pid}/stat");
                Assert.NotEqual('T', stat[stat.LastIndexOf(')') + 2]);
                await Task.Delay(20);
            }
            File.WriteAllText(gate, string.Empty);
            var ended = await removed.Task.WaitAsync(Patience);
            Assert.Same(container, ended);
            Assert.Equal(7, ended.ExitStatus?.ExitCode);
            Assert.Null(ended.ExitStatus?.Signal);
            Assert.Contains(log.Lines, l => l.Contains($"Exec in a new cgroup: pid {container.Pid} ", StringComparison.Ordinal));
        }
        finally
        {
            File.WriteAllText(gate, string.Empty);
            if (process is not null)
            {
                if (!process.WaitForExit(Patience))
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit();
                }
                process.Dispose();
            }
            Directory.Delete(cgroup);
            File.Delete(gate);
        }
    }

    [Theory]
    [InlineData("exit 139", 139)]
    [InlineData("exit 0", 0)]
    public async Task AnExitCodeIsTheKernels(string script, int code)
    {
        using var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = Timeout.InfiniteTimeSpan });
        var id = RuncContainer.NewId("code");
        var removed = WatchRemoval(collection, id);
        using var runc = RuncContainer.Create(id, ["sh", "-c", script], start: false);
        Assert.NotNull(await collection.WaitForContainerAsync(c => c.Id == id, Patience));
        runc.Start();
        var ended = await removed.Task.WaitAsync(Patience);
        Assert.Equal(code, ended.ExitStatus?.ExitCode);
        Assert.Null(ended.ExitStatus?.Signal);
    }

    [Fact]
    public async Task ASegfaultIsASignalNotAnExitCode()
    {
        using var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = Timeout.InfiniteTimeSpan });
        var id = RuncContainer.NewId("segv");
        var removed = WatchRemoval(collection, id);
        // In the host's pid namespace: the init of a pid namespace of its own ignores the signals it has no handler for.
        using var runc = RuncContainer.Create(id, ["sh", "-c", "kill -SEGV $$"], start: false, configure: WithoutPidNamespace);
        Assert.NotNull(await collection.WaitForContainerAsync(c => c.Id == id, Patience));
        runc.Start();
        var ended = await removed.Task.WaitAsync(Patience);
        Assert.Equal(11, ended.ExitStatus?.Signal);
        Assert.Null(ended.ExitStatus?.ExitCode);
    }

    [Fact]
    public async Task WithoutTheKernelNobodyKnowsTheExitStatusAndNoneIsMadeUp()
    {
        using var collection = new ContainerCollection(new ContainerCollectionOptions { UseBpf = false, RescanInterval = Timeout.InfiniteTimeSpan });
        var id = RuncContainer.NewId("nostatus");
        var removed = WatchRemoval(collection, id);
        using var runc = RuncContainer.Create(id, ["sh", "-c", "exit 5"], start: false);
        collection.Rescan();
        Assert.NotNull(collection.GetById(id));
        runc.Start();
        Assert.True(runc.WaitStopped(Patience));
        collection.Rescan();
        var ended = await removed.Task.WaitAsync(Patience);
        Assert.Null(ended.ExitStatus);
        Assert.Null(collection.GetById(id));
    }

    private static void WithoutPidNamespace(JsonObject config)
    {
        var namespaces = config["linux"]!["namespaces"]!.AsArray();
        foreach (var pid in namespaces.Where(n => n!["type"]!.GetValue<string>() == "pid").ToList())
        {
            namespaces.Remove(pid);
        }
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

    [Fact]
    public async Task ContainersThatEndAtOnceAreStillReportedWithTheKernelsStatus()
    {
        // Each container's program exits right away: its init is often gone before the collection resolves it. It is still
        // added (from its runtime's state and what the kernel reported at its exec) and removed with its exit code.
        var prefix = RuncContainer.NewId("at-once");
        var log = new TestLogger();
        using var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = Timeout.InfiniteTimeSpan, Logger = log });
        var removed = new System.Collections.Concurrent.ConcurrentDictionary<string, ContainerExitStatus?>();
        collection.ContainerRemoved += (_, e) =>
        {
            if (e.Container.Id.StartsWith(prefix, StringComparison.Ordinal))
            {
                removed[e.Container.Id] = e.Container.ExitStatus;
            }
        };
        var containers = new List<RuncContainer>();
        try
        {
            for (var i = 1; i <= 10; i++)
            {
                containers.Add(RuncContainer.Run($"{prefix}-{i}", ["sh", "-c", $"exit {i}"]));
            }
            var deadline = DateTime.UtcNow + Patience;
            while (removed.Count < containers.Count && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
            for (var i = 1; i <= 10; i++)
            {
                Assert.True(removed.TryGetValue($"{prefix}-{i}", out var status), $"container {i} was never reported ({removed.Count} of 10 were)\n{string.Join("\n", log.Lines)}");
                Assert.Equal(i, status?.ExitCode);
            }
        }
        finally
        {
            foreach (var container in containers)
            {
                container.Dispose();
            }
        }
    }
}
