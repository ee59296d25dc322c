using k8s;
using k8s.Models;

namespace Gadget.Agent.Tests;

public sealed class ManifestTests
{
    private static string DeployFile(string name)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "deploy", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException($"deploy/{name} not found above {AppContext.BaseDirectory}");
    }

    [Fact]
    public void DaemonSet_IsPrivilegedWithHostPidTheHostMountsAndRbacToReadPods()
    {
        var documents = KubernetesYaml.LoadAllFromString(File.ReadAllText(DeployFile("daemonset.yaml")));

        var account = Assert.Single(documents.OfType<V1ServiceAccount>());
        var role = Assert.Single(documents.OfType<V1ClusterRole>());
        var binding = Assert.Single(documents.OfType<V1ClusterRoleBinding>());
        var daemonSet = Assert.Single(documents.OfType<V1DaemonSet>());
        Assert.Single(documents.OfType<V1Namespace>(), n => n.Metadata.Name == daemonSet.Metadata.NamespaceProperty);

        Assert.Contains(role.Rules, r => r.Resources.Contains("pods") && new[] { "get", "list", "watch" }.All(r.Verbs.Contains));
        Assert.Equal(role.Metadata.Name, binding.RoleRef.Name);
        Assert.Equal("ClusterRole", binding.RoleRef.Kind);
        Assert.Contains(binding.Subjects, s => s.Kind == "ServiceAccount" && s.Name == account.Metadata.Name && s.NamespaceProperty == account.Metadata.NamespaceProperty);

        var pod = daemonSet.Spec.Template.Spec;
        Assert.Equal(account.Metadata.Name, pod.ServiceAccountName);
        Assert.Equal(account.Metadata.NamespaceProperty, daemonSet.Metadata.NamespaceProperty);
        Assert.True(pod.HostPID);
        foreach (var (key, value) in daemonSet.Spec.Selector.MatchLabels)
        {
            Assert.Equal(value, daemonSet.Spec.Template.Metadata.Labels[key]);
        }

        var agent = Assert.Single(pod.Containers);
        Assert.True(agent.SecurityContext.Privileged);
        var volumes = pod.Volumes.ToDictionary(v => v.Name);
        var mounts = agent.VolumeMounts.ToDictionary(m => m.MountPath);
        foreach (var (mountPath, hostPath, readOnly) in new[]
        {
            ("/sys/fs/bpf", "/sys/fs/bpf", false),
            ("/sys/kernel/tracing", "/sys/kernel/tracing", false),
            ("/sys/kernel/btf", "/sys/kernel/btf", true),
            ("/sys/fs/cgroup", "/sys/fs/cgroup", false),
            ("/run/runc", "/run/runc", false),
            ("/run/containerd", "/run/containerd", false),
            ("/run/gadget", "/run/gadget", false),
        })
        {
            Assert.True(mounts.TryGetValue(mountPath, out var mount), $"no volume mount at {mountPath}");
            Assert.Equal(hostPath, volumes[mount.Name].HostPath.Path);
            Assert.Equal(readOnly, mount.ReadOnlyProperty ?? false);
        }
        // The socket the agent is told to listen on lives in the hostPath directory.
        var socketIndex = agent.Args.IndexOf("--socket");
        Assert.True(socketIndex >= 0);
        Assert.StartsWith("/run/gadget/", agent.Args[socketIndex + 1], StringComparison.Ordinal);
        Assert.Equal(pod.Volumes.Count, pod.Volumes.Select(v => v.Name).Distinct().Count());
        Assert.All(agent.VolumeMounts, m => Assert.True(volumes.ContainsKey(m.Name), $"mount {m.Name} has no volume"));
    }

    [Fact]
    public void Dockerfile_PublishesTheAgentAndInstallsLibbpf()
    {
        var lines = File.ReadAllLines(DeployFile("Dockerfile"));
        var stages = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, stages.Count);
        Assert.Contains(lines, l => l.Contains("dotnet publish samples/Gadget.Agent/Gadget.Agent.csproj", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("install", StringComparison.Ordinal) && l.Contains("libbpf1", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("COPY --from=build", StringComparison.Ordinal));
        var entry = Assert.Single(lines, l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal));
        // The entry point is the published agent's apphost.
        var csproj = File.ReadAllText(Path.Combine(Path.GetDirectoryName(DeployFile("Dockerfile"))!, "..", "samples", "Gadget.Agent", "Gadget.Agent.csproj"));
        Assert.Contains($"<AssemblyName>{entry.Split('/')[^1].TrimEnd('"', ']')}</AssemblyName>", csproj, StringComparison.Ordinal);
    }
}
