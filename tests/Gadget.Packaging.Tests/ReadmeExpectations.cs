using System.Globalization;
using System.Text.RegularExpressions;
using Gadget.Containers.Kubernetes.Tests;
using Gadget.Containers.Tests;

namespace Gadget.Packaging.Tests;

/// <summary>
/// What each package README's examples must do when run, by package name. A package under src/ with no entry here fails
/// <see cref="ReadmeExampleTests"/>: a new package's README example is checked from the start, never skipped.
/// </summary>
internal static class ReadmeExpectations
{
    private static readonly (string, string) LoggingConsole = ("Microsoft.Extensions.Logging.Console", "10.0.0");
    private static readonly (string, string) Hosting = ("Microsoft.Extensions.Hosting", "10.0.0");

    public static IReadOnlyDictionary<string, ReadmeExpectation> ByPackage { get; } = new Dictionary<string, ReadmeExpectation>(StringComparer.Ordinal)
    {
        ["Gadget.Bpf"] = new([LoggingConsole], [BpfMapAndRingBuffer]),
        ["Gadget.Containers"] = new([LoggingConsole], [ContainerListedAndFollowedToItsExit]),
        ["Gadget.Containers.Kubernetes"] = new([LoggingConsole], [ContainerSelectedByItsPodsApiLabels]),
        ["Gadget.Gadgets"] = new([], [ExecOfTheExamplesCommand, ExecReadInPlace]),
        ["Gadget.Traceloop"] = new([], [RecordedCommand, CrashedContainerHistory]),
        ["Gadget.Traceloop.Hosting"] = new([Hosting], [HostedServiceLogsAFailedCommand]),
        ["Gadget.Hosting"] = new([Hosting], [HostedExecSnoopAndHealthReport]),
    };

    /// <summary>A map value through the kernel, and the example's own openat() recorded by the program it loaded.</summary>
    private static void BpfMapAndRingBuffer(ExampleApp app)
    {
        // The README has the reader compile bpf/syscall_events.bpf.c next to Program.cs; the build's committed object is that.
        app.CopyIn(Path.Combine(app.RepositoryRoot, "bpf", "out", "syscall_events.bpf.o"));
        var text = app.Run();
        var pid = Regex.Match(text, @"^pid (\d+): libbpf \d+\.\d+, \d+ CPUs", RegexOptions.Multiline);
        Assert.True(pid.Success, text);
        Assert.Contains("counts[42] = 2", text, StringComparison.Ordinal);
        // Recorded by the BPF program for this pid only (target_tgid), with the path it read from user memory.
        Assert.Matches(new Regex($@"^pid {pid.Groups[1].Value} syscall \d+: /etc/hostname$", RegexOptions.Multiline), text);
        var recorded = Regex.Match(text, @"^(\d+) syscalls recorded$", RegexOptions.Multiline);
        Assert.True(recorded.Success, text);
        Assert.True(int.Parse(recorded.Groups[1].Value, CultureInfo.InvariantCulture) >= 1, text);
    }

    /// <summary>A runc container made before the example starts is listed with its init pid, then followed to its exit code.</summary>
    private static void ContainerListedAndFollowedToItsExit(ExampleApp app)
    {
        var id = RuncContainer.NewId("readme");
        using var container = RuncContainer.Create(id, ["sh", "-c", "exit 3"], start: false); // its init waits for 'runc start'
        var pid = container.Pid;
        Assert.True(pid > 0, container.Output);
        using var example = app.Start(id);
        example.WaitForOutput($"Waiting for {id} to exit...");
        container.Start();
        var text = example.WaitForSuccess();
        Assert.Contains($"{id} (Runc): pid {pid}, cgroup ", text, StringComparison.Ordinal);
        Assert.Contains($"Added: {id}, pid {pid}", text, StringComparison.Ordinal);
        Assert.Contains($"Removed: {id}, pid {pid}", text, StringComparison.Ordinal);
        Assert.Contains($"{id} exited with code 3", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// A runc container with containerd's CRI annotations (pod name, namespace, UID: no labels) whose pod has
    /// <c>k8s-app=kube-dns</c> on a loopback API server: the example, given that server's kubeconfig and node, selects it.
    /// </summary>
    private static void ContainerSelectedByItsPodsApiLabels(ExampleApp app)
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var node = "readme-node-" + tag;
        var (ns, pod, uid) = ("kube-system", "coredns-" + tag, Guid.NewGuid().ToString());
        var server = new FakeApiServer();
        try
        {
            server.SetPod(node, ns, pod, uid, new Dictionary<string, string> { ["k8s-app"] = "kube-dns" });
            server.SetPod(node, ns, "other-" + tag, Guid.NewGuid().ToString(), new Dictionary<string, string> { ["k8s-app"] = "other" });
            var annotations = CriAnnotations.Containerd(ns, pod, uid, "coredns");
            using var container = RuncContainer.Create(RuncContainer.NewId("readme-k8s"), ["sleep", "60"], annotations);
            var cgroupId = CgroupId(container.Pid);
            var text = app.Run(server.Kubeconfig, node);
            Assert.Contains($"{ns}/{pod} coredns: cgroup {cgroupId}", text, StringComparison.Ordinal);
            Assert.DoesNotContain("other-" + tag, text, StringComparison.Ordinal);
            Assert.Contains(server.Requests, r => r.Contains("watch=true", StringComparison.Ordinal));
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>The exec of the command the example starts, as ExecSnoop reported it.</summary>
    private static void ExecOfTheExamplesCommand(ExampleApp app)
    {
        var text = app.Run();
        Assert.Matches(new Regex(@"^host: cat pid \d+ ppid \d+ = 0: cat /etc/hostname$", RegexOptions.Multiline), text);
        Assert.Contains(File.ReadAllText("/etc/hostname").TrimEnd('\n'), text, StringComparison.Ordinal); // and cat did run
    }

    /// <summary>The in-place example: the command's exec, its comm and arguments printed from the ring buffer's bytes.</summary>
    private static void ExecReadInPlace(ExampleApp app)
    {
        var text = app.Run();
        Assert.Matches(new Regex(@"^cat pid \d+, 2 arguments: cat /etc/hostname$", RegexOptions.Multiline), text);
    }

    /// <summary>The command's syscalls, strace-like.</summary>
    private static void RecordedCommand(ExampleApp app)
    {
        var text = app.Run();
        Assert.Matches(new Regex(@"^openat\(AT_FDCWD, ""/etc/hostname"", O_RDONLY\) = \d+$", RegexOptions.Multiline), text);
    }

    /// <summary>A runc container that exits with 3 after failing to open a file: the example prints that open from its history.</summary>
    private static void CrashedContainerHistory(ExampleApp app)
    {
        var id = RuncContainer.NewId("readme");
        var missing = "/etc/" + id; // no such file in the container: cat fails, the shell exits with 3
        using var container = RuncContainer.Create(id, ["sh", "-c", $"cat {missing}; exit 3"], start: false);
        using var example = app.Start(id);
        example.WaitForOutput($"Recording {id};");
        container.Start();
        var text = example.WaitForSuccess();
        Assert.Contains($"{id} exited with code 3; its last syscalls:", text, StringComparison.Ordinal);
        Assert.Contains($"openat(AT_FDCWD, \"{missing}\", O_RDONLY) = -1 ENOENT", text, StringComparison.Ordinal);
        Assert.Contains("exit_group(3)", text, StringComparison.Ordinal);
    }

    /// <summary>The failed command's history, logged by the hosted service and handed to OnHistory.</summary>
    private static void HostedServiceLogsAFailedCommand(ExampleApp app)
    {
        var text = app.Run();
        Assert.Contains("sh -c cat /etc/hostname; exit 3 exited with code 3; its last syscalls:", text, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"openat\(AT_FDCWD, ""/etc/hostname"", O_RDONLY\) = \d+"), text);
        Assert.Matches(new Regex(@"^sh -c cat /etc/hostname; exit 3: \d+ syscalls recorded$", RegexOptions.Multiline), text);
        Assert.Contains("sh exited with code 3", text, StringComparison.Ordinal);
    }

    /// <summary>The host's health report (every check healthy as root here) and the exec of the example's own child.</summary>
    private static void HostedExecSnoopAndHealthReport(ExampleApp app)
    {
        var text = app.Run();
        Assert.Matches(new Regex(@"^gadget-environment: Healthy: BTF present, libbpf \d+\.\d+", RegexOptions.Multiline), text);
        Assert.Matches(new Regex(@"^gadget-programs: Healthy: ", RegexOptions.Multiline), text);
        Assert.Matches(new Regex(@"^execsnoop: pid \d+ ran /bin/true, execve returned 0$", RegexOptions.Multiline), text);
    }

    /// <summary>A process's cgroup id: the inode of its cgroup2 directory (what bpf_get_current_cgroup_id() returns).</summary>
    private static ulong CgroupId(int pid)
    {
        var path = File.ReadAllLines($"/proc/{pid}/cgroup").Single(line => line.StartsWith("0::", StringComparison.Ordinal))[3..];
        var root = Directory.Exists("/sys/fs/cgroup/unified") ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup";
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%i", root + path]) { RedirectStandardOutput = true })!;
        var inode = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return ulong.Parse(inode, CultureInfo.InvariantCulture);
    }
}
