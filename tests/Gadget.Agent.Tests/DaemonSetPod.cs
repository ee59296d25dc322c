using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Gadget.Agent.Tests;

/// <summary>
/// The agent's pod as deploy/daemonset.yaml describes it and its image as deploy/Dockerfile builds it, turned into a runc
/// config.json the way kubelet + containerd would on this node: entry point + args, env, securityContext.privileged,
/// hostPID, hostPath volumes, resources. What runc (or this machine) cannot mirror is said where it is skipped.
/// </summary>
internal sealed class DaemonSetPod
{
    // What the aspnet runtime base image (FROM mcr.microsoft.com/dotnet/aspnet:10.0) sets; the image cannot be pulled here.
    private static readonly string[] BaseImageEnvironment =
    [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "ASPNETCORE_HTTP_PORTS=8080",
        "DOTNET_RUNNING_IN_CONTAINER=true",
    ];

    // Capability numbers of linux/capability.h, 0..40 (CAP_CHECKPOINT_RESTORE).
    private static readonly string[] CapabilityNames =
    [
        "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE",
        "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT",
        "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE",
        "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
        "PERFMON", "BPF", "CHECKPOINT_RESTORE",
    ];

    private DaemonSetPod(V1PodSpec pod, V1Container agent, string[] entrypoint, List<string> imageEnvironment, string workingDirectory, string applicationDirectory)
    {
        Pod = pod;
        Agent = agent;
        Entrypoint = entrypoint;
        ImageEnvironment = imageEnvironment;
        WorkingDirectory = workingDirectory;
        ApplicationDirectory = applicationDirectory;
    }

    /// <summary>The pod template's spec.</summary>
    public V1PodSpec Pod { get; }

    /// <summary>The agent container.</summary>
    public V1Container Agent { get; }

    /// <summary>The image's ENTRYPOINT (exec form).</summary>
    public string[] Entrypoint { get; }

    /// <summary>The final stage's ENV lines.</summary>
    public IReadOnlyList<string> ImageEnvironment { get; }

    /// <summary>The final stage's WORKDIR.</summary>
    public string WorkingDirectory { get; }

    /// <summary>Where the final stage copies the published agent (<c>COPY --from=build /out DIR</c>).</summary>
    public string ApplicationDirectory { get; }

    /// <summary>What the container runs: the image's entry point with the manifest's args (which replace the image's CMD).</summary>
    public string[] Command => [.. Entrypoint, .. Agent.Args ?? []];

    /// <summary>The socket the agent is told to listen on (<c>--socket</c> in the args).</summary>
    public string SocketPath => Agent.Args[Agent.Args.IndexOf("--socket") + 1];

    /// <summary>How long kubelet waits after SIGTERM before SIGKILL (the pod's terminationGracePeriodSeconds, 30 when unset).</summary>
    public TimeSpan TerminationGracePeriod => TimeSpan.FromSeconds(Pod.TerminationGracePeriodSeconds ?? 30);

    /// <summary>The repository's root (the directory holding deploy/).</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "deploy", "daemonset.yaml")))
                {
                    return directory.FullName;
                }
            }
            throw new FileNotFoundException($"deploy/daemonset.yaml not found above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>Reads deploy/daemonset.yaml (the DaemonSet's single container) and deploy/Dockerfile (its final stage).</summary>
    public static DaemonSetPod Load()
    {
        var documents = KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(RepositoryRoot, "deploy", "daemonset.yaml")));
        var pod = documents.OfType<V1DaemonSet>().Single().Spec.Template.Spec;
        var agent = pod.Containers.Single();

        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot, "deploy", "Dockerfile"));
        var finalStage = lines.Skip(Array.FindLastIndex(lines, l => l.StartsWith("FROM ", StringComparison.Ordinal))).ToList();
        string? Instruction(string name) => finalStage.LastOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal))?[(name.Length + 1)..].Trim();
        var entrypoint = JsonSerializer.Deserialize<string[]>(Instruction("ENTRYPOINT") ?? throw new InvalidDataException("the Dockerfile has no ENTRYPOINT"))!;
        var environment = finalStage.Where(l => l.StartsWith("ENV ", StringComparison.Ordinal))
            .SelectMany(l => l[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToList();
        if (environment.Any(e => !e.Contains('=', StringComparison.Ordinal)))
        {
            throw new InvalidDataException("only 'ENV KEY=VALUE ...' lines are understood: " + string.Join(' ', environment));
        }
        var copy = finalStage.Single(l => l.StartsWith("COPY --from=build ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new DaemonSetPod(pod, agent, entrypoint, environment, Instruction("WORKDIR") ?? "/", copy[^1]);
    }

    /// <summary>The hostPath volumes the agent mounts: volume name, host path, hostPath type, mount path, read-only, propagation.</summary>
    public IEnumerable<(string Name, string HostPath, string? Type, string MountPath, bool ReadOnly, string? Propagation)> HostPathMounts()
    {
        var volumes = Pod.Volumes.ToDictionary(v => v.Name);
        foreach (var mount in Agent.VolumeMounts)
        {
            var hostPath = volumes[mount.Name].HostPath ?? throw new NotSupportedException($"volume {mount.Name} is not a hostPath: only hostPath volumes are mirrored");
            yield return (mount.Name, hostPath.Path, hostPath.Type, mount.MountPath, mount.ReadOnlyProperty ?? false, mount.MountPropagation);
        }
    }

    /// <summary>
    /// Makes a runc <c>config.json</c> (from <c>runc spec</c>) run the agent as the DaemonSet does. The rootfs stands in for the
    /// image: the host's /usr (with /usr/share/dotnet and libbpf.so.1) and /etc read-only, and the published agent at
    /// <see cref="ApplicationDirectory"/>. <paramref name="hostPaths"/> replaces a volume's host path by name (the test gives the
    /// socket directory a temporary one so as not to touch the node's /run/gadget).
    /// </summary>
    /// <param name="config">The config.json to change.</param>
    /// <param name="rootfs">The container's root directory.</param>
    /// <param name="publishedAgent">The publish directory, mounted where the Dockerfile copies it.</param>
    /// <param name="hostPaths">Host paths that replace the manifest's, by volume name.</param>
    /// <param name="privateCgroupNamespace">A cgroup namespace of its own, as containerd gives every container on cgroup v2 nodes.</param>
    public void Configure(JsonObject config, string rootfs, string publishedAgent, IReadOnlyDictionary<string, string> hostPaths, bool privateCgroupNamespace)
    {
        config["root"] = new JsonObject { ["path"] = rootfs, ["readonly"] = false };
        var process = config["process"]!.AsObject();
        process["args"] = new JsonArray([.. Command.Select(a => (JsonNode)a)]);
        process["cwd"] = WorkingDirectory;
        process["env"] = new JsonArray([.. BaseImageEnvironment.Concat(ImageEnvironment).Concat(ContainerEnvironment()).Select(e => (JsonNode)e)]);
        // runc spec's 1024 open files: containerd gives containers its own limits; here runc's (the test's) are inherited.
        process.Remove("rlimits");

        var linux = config["linux"]!.AsObject();
        var namespaces = linux["namespaces"]!.AsArray().Select(n => n!["type"]!.GetValue<string>()).ToList();
        // hostPID: the host's pid namespace. No hostNetwork/hostIPC: the pod's own network, ipc and uts namespaces stay. The cgroup
        // namespace: containerd gives none on cgroup v1/hybrid nodes like this one, a private one on cgroup v2 nodes.
        if (privateCgroupNamespace && !namespaces.Contains("cgroup"))
        {
            namespaces.Add("cgroup");
        }
        if (Pod.HostPID == true)
        {
            namespaces.Remove("pid");
        }
        if (Pod.HostNetwork == true)
        {
            namespaces.Remove("network");
        }
        if (Pod.HostIPC == true)
        {
            namespaces.Remove("ipc");
        }
        linux["namespaces"] = new JsonArray([.. namespaces.Select(n => (JsonNode)new JsonObject { ["type"] = n })]);

        if (Agent.SecurityContext?.Privileged == true)
        {
            // privileged: every capability the runtime has (containerd takes its own set; here, the test's bounding set, which
            // lacks CAP_SYS_RESOURCE on this machine), no seccomp, no masked or read-only /proc paths, sysfs read-write, all devices
            // allowed by the device cgroup. Not mirrored: containerd also creates the host's device nodes in /dev.
            var capabilities = new JsonArray([.. BoundingCapabilities().Select(c => (JsonNode)c)]);
            process["capabilities"] = new JsonObject
            {
                ["bounding"] = capabilities.DeepClone(),
                ["effective"] = capabilities.DeepClone(),
                ["permitted"] = capabilities.DeepClone(),
                ["inheritable"] = capabilities.DeepClone(),
            };
            process["noNewPrivileges"] = false;
            linux.Remove("seccomp");
            linux.Remove("maskedPaths");
            linux.Remove("readonlyPaths");
            linux["resources"] = new JsonObject { ["devices"] = new JsonArray(new JsonObject { ["allow"] = true, ["access"] = "rwm" }) };
        }
        else
        {
            throw new NotSupportedException("the agent container is expected to be privileged");
        }
        ApplyResources(linux["resources"]!.AsObject());

        var mounts = config["mounts"]!.AsArray().Select(m => m!.AsObject()).ToList();
        var volumeMounts = HostPathMounts().ToList();
        // A volume mounted over a default mount (runc's read-only cgroupfs at /sys/fs/cgroup) replaces it, as containerd does.
        mounts.RemoveAll(m => volumeMounts.Any(v => v.MountPath == m["destination"]!.GetValue<string>()));
        foreach (var sys in mounts.Where(m => m["destination"]!.GetValue<string>() == "/sys"))
        {
            sys["options"] = new JsonArray([.. sys["options"]!.AsArray().Select(o => o!.GetValue<string>()).Where(o => o != "ro").Select(o => (JsonNode)o)]);
        }
        mounts.Add(Bind("/usr", "/usr", readOnly: true));
        mounts.Add(Bind("/etc", "/etc", readOnly: true));
        mounts.Add(Bind(publishedAgent, ApplicationDirectory, readOnly: true));
        foreach (var (name, hostPath, type, mountPath, readOnly, propagation) in volumeMounts)
        {
            var source = hostPaths.GetValueOrDefault(name, hostPath);
            var mount = Bind(source, mountPath, readOnly);
            if (propagation == "Bidirectional")
            {
                // containerd: rshared on the mount and on the rootfs. It also requires the host's mount to be shared, and refuses
                // to start the pod otherwise; this node's mounts are all private, so mounts the agent made there would not reach
                // the host (the agent makes none: it pins nothing).
                mount["options"]!.AsArray().Add("rshared");
                linux["rootfsPropagation"] = "rshared";
            }
            else if (propagation is not (null or "None"))
            {
                throw new NotSupportedException($"mountPropagation {propagation} of {mountPath} is not mirrored");
            }
            mounts.Add(mount);
        }
        config["mounts"] = new JsonArray([.. mounts.Select(m => m.DeepClone())]);
        // A containerPort without hostPort changes nothing in the container (it documents the port, for Prometheus'
        // discovery and PodMonitors); a hostPort would forward the node's port into the pod's network namespace.
        if (Agent.Ports?.Any(p => p.HostPort is not null) == true || Agent.LivenessProbe is not null || Agent.ReadinessProbe is not null)
        {
            throw new NotSupportedException("host ports and probes are not mirrored");
        }
        // Not mirrored either: kubelet's own mounts (/etc/hosts, /etc/resolv.conf, /dev/termination-log, the service account
        // token under /var/run/secrets/kubernetes.io/serviceaccount) and the pod's sandbox (pause) container and network.
    }

    /// <summary>A bind mount the way kubelet makes hostPath mounts: recursive (rbind).</summary>
    private static JsonObject Bind(string source, string destination, bool readOnly) => new()
    {
        ["destination"] = destination,
        ["type"] = "bind",
        ["source"] = source,
        ["options"] = readOnly ? new JsonArray("rbind", "ro") : new JsonArray("rbind"),
    };

    private IEnumerable<string> ContainerEnvironment()
    {
        foreach (var variable in Agent.Env ?? [])
        {
            if (variable.Value is not null)
            {
                yield return $"{variable.Name}={variable.Value}";
            }
            else if (variable.ValueFrom?.FieldRef?.FieldPath == "spec.nodeName")
            {
                yield return $"{variable.Name}={Environment.MachineName}";
            }
            else
            {
                throw new NotSupportedException($"env {variable.Name}: only values and fieldRef spec.nodeName are mirrored");
            }
        }
    }

    private void ApplyResources(JsonObject resources)
    {
        // As kubelet does: the memory limit, and CPU shares from the CPU request (milli-CPUs * 1024 / 1000).
        if (Agent.Resources?.Limits?.TryGetValue("memory", out var memory) == true)
        {
            resources["memory"] = new JsonObject { ["limit"] = memory.ToInt64() };
        }
        if (Agent.Resources?.Requests?.TryGetValue("cpu", out var cpu) == true)
        {
            resources["cpu"] = new JsonObject { ["shares"] = (long)Math.Max(2, decimal.Floor(cpu.ToDecimal() * 1000 * 1024 / 1000)) };
        }
        if (Agent.Resources?.Limits?.ContainsKey("cpu") == true)
        {
            throw new NotSupportedException("a CPU limit is not mirrored");
        }
    }

    private static IEnumerable<string> BoundingCapabilities()
    {
        var line = File.ReadLines("/proc/self/status").Single(l => l.StartsWith("CapBnd:", StringComparison.Ordinal));
        var mask = ulong.Parse(line["CapBnd:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        for (var bit = 0; bit < CapabilityNames.Length; bit++)
        {
            if ((mask & (1UL << bit)) != 0)
            {
                yield return "CAP_" + CapabilityNames[bit];
            }
        }
    }

    /// <summary>The build configuration of the tests (Debug or Release), to publish the agent the same way.</summary>
    public static string Configuration =>
        typeof(DaemonSetPod).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
}
