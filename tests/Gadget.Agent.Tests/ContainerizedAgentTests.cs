using System.Diagnostics;
using System.Text.Json;
using Gadget.Client;
using Gadget.Containers;
using Gadget.Containers.Tests;
using Xunit.Abstractions;

namespace Gadget.Agent.Tests;

/// <summary>
/// The agent deployed the way deploy/daemonset.yaml deploys it, minus Kubernetes: the published agent in a runc container
/// whose config.json is derived from the manifest and the Dockerfile (<see cref="DaemonSetPod"/>): privileged, host pid
/// namespace, the hostPath volumes, the args and env. The test, on the host side, talks to it over the socket in the
/// bind-mounted socket directory, traces another runc container, and stops the agent with SIGTERM as kubelet does.
/// </summary>
public sealed class ContainerizedAgentTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <param name="privateCgroupNamespace">Whether the agent's container has a cgroup namespace of its own: not on this
    /// hybrid-cgroup node under containerd, but on cgroup v2 nodes (most nodes now), where the agent reads every other process's
    /// cgroup relative to its own (<c>0::/../other</c>).</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AgentInItsDaemonSetContainer_TracesAnotherContainerAndLeavesNothingAfterSigterm(bool privateCgroupNamespace)
    {
        var pod = DaemonSetPod.Load();
        var published = PublishedAgent.Directory;
        var socketName = Path.GetFileName(pod.SocketPath);
        var socketVolume = pod.HostPathMounts().Single(m => m.MountPath == Path.GetDirectoryName(pod.SocketPath)).Name;
        var scratch = Directory.CreateTempSubdirectory("gadget-pod-");
        var created = new List<string>();
        try
        {
            var socketDirectory = Directory.CreateDirectory(Path.Combine(scratch.FullName, "socket-dir")).FullName;
            var rootfs = CreateRootfs(Path.Combine(scratch.FullName, "rootfs"), pod);
            CreateHostPaths(pod, socketVolume, created);
            var bpffs = pod.HostPathMounts().Single(m => m.MountPath == "/sys/fs/bpf").HostPath;
            var pinsBefore = Directory.GetFileSystemEntries(bpffs, "*", SearchOption.AllDirectories).Order().ToList();
            var agentId = RuncContainer.NewId("gadget-agent-pod");
            var socket = "unix:" + Path.Combine(socketDirectory, socketName);
            var (agent, exited) = RuncContainer.RunForeground(agentId, pod.Command, config => pod.Configure(config, rootfs, published, new Dictionary<string, string> { [socketVolume] = socketDirectory }, privateCgroupNamespace));
            try
            {
                // Up when the client gets the node's container list through the socket in the host directory.
                var ready = await PollAsync(async () => !exited.IsCompleted && (await ClientAsync(socket, "containers")).ExitCode == 0, () => exited.IsCompleted);
                var runc = exited.IsCompleted ? "exited with " + await exited : "still runs";
                Assert.True(ready, $"the containerized agent did not answer on {socket} (runc {runc}):\n{agent.Output}");
                var agentPid = agent.Pid;
                // It is containerized (its own mount namespace, its own root) but in the host's pid namespace (hostPID).
                Assert.NotEqual(Namespace("self", "mnt"), Namespace(agentPid.ToString(System.Globalization.CultureInfo.InvariantCulture), "mnt"));
                Assert.Equal(Namespace("self", "pid"), Namespace(agentPid.ToString(System.Globalization.CultureInfo.InvariantCulture), "pid"));

                var prefix = RuncContainer.NewId("pod-workload");
                var marker = "/gadget-pod-marker-" + Guid.NewGuid().ToString("N")[..8];
                var start = await ClientAsync(socket, "traceloop", "start", "--id", prefix);
                Assert.True(start.ExitCode == 0, start.Error);

                BpfObjectIds held;
                // The workload, started after the trace: opens a path that does not exist, then waits for SIGTERM and exits with 7.
                using (var workload = RuncContainer.Create(prefix + "-w", ["sh", "-c", $"trap 'exit 7' TERM; cat {marker}; while true; do sleep 0.1; done"]))
                {
                    JsonElement? listed = null;
                    await PollAsync(async () =>
                    {
                        var containers = await ClientAsync(socket, "containers");
                        listed = containers.ExitCode == 0
                            ? JsonDocument.Parse(containers.Output).RootElement.EnumerateArray().Where(c => c.GetProperty("id").GetString() == workload.Id).Select(c => (JsonElement?)c.Clone()).FirstOrDefault()
                            : null;
                        return listed is not null;
                    });
                    Assert.True(listed is not null, "the workload never showed in the containerized agent's container list");
                    // What the agent read from the host's runc state through its /run/runc mount, and the host pid through hostPID.
                    Assert.Equal(nameof(ContainerRuntime.Runc), listed.Value.GetProperty("runtime").GetString());
                    Assert.Equal(workload.Pid, listed.Value.GetProperty("pid").GetInt32());
                    // Its cgroup2 id (what bpf_get_current_cgroup_id() gives its processes), as the host sees it.
                    Assert.Equal(ProcessInspector.GetCgroupId(ProcessInspector.GetCgroup2Path(workload.Pid)!), listed.Value.GetProperty("cgroupId").GetUInt64());

                    held = BpfObjectIds.HeldBy(agentPid);
                    Assert.NotEmpty(held.Programs);
                    Assert.NotEmpty(held.Links);

                    workload.Kill("TERM");
                    Assert.True(workload.WaitStopped(Timeout), "the workload did not stop: " + workload.Output);

                    var dump = await ClientAsync(socket, "traceloop", "dump", workload.Id);
                    Assert.True(dump.ExitCode == 0, dump.Error);
                    Assert.Contains($"openat(AT_FDCWD, \"{marker}\", O_RDONLY) = -1 ENOENT", dump.Output, StringComparison.Ordinal);
                    Assert.Contains("exit_group(7) = ?", dump.Output, StringComparison.Ordinal);
                    // The exit status the kernel reported (sched_process_exit), logged by the agent as a crash with its history.
                    var crashed = await PollAsync(() => Task.FromResult(agent.Output.Contains($"({workload.Id}) crashed (exited with code 7)", StringComparison.Ordinal)));
                    Assert.True(crashed, "the agent did not report the workload's exit code 7:\n" + agent.Output);

                    // The manifest's metrics listener (0.0.0.0:PORT of the pod's own network namespace: what Prometheus reaches
                    // at the pod IP), scraped from inside that namespace: the recorded workload and its crash are counted.
                    var port = System.Net.IPEndPoint.Parse(pod.Agent.Args[pod.Agent.Args.IndexOf("--metrics-listen") + 1]).Port;
                    var scrape = Processes.Run("nsenter", [$"--net=/proc/{agentPid}/ns/net", "busybox", "wget", "-q", "-O", "-", $"http://127.0.0.1:{port}/metrics"]);
                    Assert.True(scrape.ExitCode == 0, scrape.Error);
                    var metrics = PrometheusText.Parse(scrape.Output);
                    Assert.Equal(1, metrics.Sum("gadget_traceloop_containers_recorded_total"));
                    Assert.Equal(1, metrics.Sum("gadget_agent_histories_read_total", ("reason", "crash")));
                    Assert.Equal(Environment.MachineName, Assert.Single(metrics.Find("target_info")).Labels["service_instance_id"]);
                }

                // Measured, not asserted: the agent container's peak memory (cgroup v1 memory controller, under the manifest's limit).
                var memoryCgroup = File.ReadLines($"/proc/{agentPid}/cgroup").FirstOrDefault(l => l.Split(':')[1] == "memory")?.Split(':')[2];
                var peak = "/sys/fs/cgroup/memory" + memoryCgroup + "/memory.max_usage_in_bytes";
                if (memoryCgroup is not null && File.Exists(peak))
                {
                    output.WriteLine($"agent container peak memory: {long.Parse(File.ReadAllText(peak).Trim(), System.Globalization.CultureInfo.InvariantCulture) / (1024 * 1024)} MiB");
                }

                // kubelet stops the pod with SIGTERM and waits terminationGracePeriodSeconds; the trace is still running.
                var stopping = Stopwatch.StartNew();
                agent.Kill("TERM");
                var finished = await Task.WhenAny(exited, Task.Delay(pod.TerminationGracePeriod));
                output.WriteLine($"agent exited {stopping.Elapsed.TotalSeconds:F1} s after SIGTERM (grace period {pod.TerminationGracePeriod.TotalSeconds} s)");
                Assert.True(finished == exited, $"the agent did not exit within the grace period ({pod.TerminationGracePeriod}):\n{agent.Output}");
                Assert.True(await exited == 0, $"the agent exited with {await exited}:\n{agent.Output}");

                // Nothing left: the kernel frees programs, links and maps once their last reference is gone (asynchronously).
                BpfObjectIds left = held;
                await PollAsync(() => Task.FromResult((left = held.Intersect(BpfObjectIds.InKernel())).IsEmpty));
                Assert.True(left.IsEmpty, "still in the kernel after the agent exited: " + left);
                Assert.Equal(pinsBefore, Directory.GetFileSystemEntries(bpffs, "*", SearchOption.AllDirectories).Order().ToList());
                Assert.Null(agent.Status);
                Assert.False(File.Exists(Path.Combine(socketDirectory, socketName)), "the socket file is left in the host directory");
            }
            finally
            {
                if (!exited.IsCompleted)
                {
                    agent.Kill("KILL");
                    await exited.WaitAsync(Timeout);
                }
                agent.Dispose();
            }
        }
        finally
        {
            foreach (var directory in created)
            {
                TryDelete(directory);
            }
            scratch.Delete(recursive: true);
        }
    }

    /// <summary>The image's filesystem: empty mount points, and the host's merged-/usr links (/bin, /lib, /lib64, /sbin).</summary>
    private static string CreateRootfs(string rootfs, DaemonSetPod pod)
    {
        foreach (var directory in (string[])["usr", "etc", "proc", "sys", "dev", "tmp", "run", pod.ApplicationDirectory.TrimStart('/'), pod.WorkingDirectory.TrimStart('/')])
        {
            Directory.CreateDirectory(Path.Combine(rootfs, directory));
        }
        foreach (var link in (string[])["bin", "sbin", "lib", "lib64"])
        {
            var host = new FileInfo("/" + link);
            if (host.LinkTarget is { } target)
            {
                File.CreateSymbolicLink(Path.Combine(rootfs, link), target);
            }
            else if (Directory.Exists(host.FullName))
            {
                throw new NotSupportedException($"/{link} is a directory here, not a link into /usr: bind it too");
            }
        }
        return rootfs;
    }

    /// <summary>hostPath type DirectoryOrCreate: kubelet creates the directory when missing; the test removes what it created.</summary>
    private static void CreateHostPaths(DaemonSetPod pod, string skip, List<string> created)
    {
        foreach (var (name, hostPath, type, _, _, _) in pod.HostPathMounts())
        {
            if (name == skip || Directory.Exists(hostPath))
            {
                continue;
            }
            Assert.True(type == "DirectoryOrCreate", $"hostPath {hostPath} (volume {name}) does not exist on this node and is not DirectoryOrCreate");
            Directory.CreateDirectory(hostPath);
            created.Add(hostPath);
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any())
            {
                Directory.Delete(directory);
            }
        }
        catch (IOException)
        {
        }
    }

    private static string? Namespace(string pid, string kind) => new FileInfo($"/proc/{pid}/ns/{kind}").LinkTarget;

    private static async Task<(int ExitCode, string Output, string Error)> ClientAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await GadgetCli.RunAsync(["--agent", .. args], output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    private static async Task<bool> PollAsync(Func<Task<bool>> condition, Func<bool>? giveUp = null)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Timeout && giveUp?.Invoke() != true)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(200);
        }
        return false;
    }
}
