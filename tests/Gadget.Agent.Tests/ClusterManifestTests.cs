using Gadget.Client;
using k8s;
using k8s.Models;

namespace Gadget.Agent.Tests;

/// <summary>
/// deploy/cluster-access.yaml (the users' Role) and deploy/daemonset-cluster-patch.yaml (the agents' TLS listener) agree
/// with what <c>gadget --kubeconfig</c> asks for by default: the namespace, the label, the port, the verbs of its requests.
/// </summary>
public sealed class ClusterManifestTests
{
    [Fact]
    public void TheUsersRole_GrantsExactlyListOnPodsAndTheProxyVerbsInTheAgentsNamespace()
    {
        var documents = KubernetesYaml.LoadAllFromString(File.ReadAllText(DeployFile("cluster-access.yaml")));
        var role = Assert.Single(documents.OfType<V1Role>());
        var binding = Assert.Single(documents.OfType<V1RoleBinding>());
        var daemonSet = DaemonSet();

        Assert.Equal(ClusterOptions.DefaultNamespace, daemonSet.Metadata.NamespaceProperty);
        Assert.Equal(ClusterOptions.DefaultNamespace, role.Metadata.NamespaceProperty);
        Assert.Equal(ClusterOptions.DefaultNamespace, binding.Metadata.NamespaceProperty);
        Assert.Equal(("Role", role.Metadata.Name), (binding.RoleRef.Kind, binding.RoleRef.Name));
        var rules = role.Rules.SelectMany(r => r.Resources.SelectMany(resource => r.Verbs.Select(verb => $"{string.Join(',', r.ApiGroups)}/{resource}:{verb}"))).Order();
        // list: the pods of the DaemonSet; GET, POST and DELETE through the pod proxy (the client's requests' methods).
        Assert.Equal(["/pods/proxy:create", "/pods/proxy:delete", "/pods/proxy:get", "/pods:list"], rules);
        Assert.DoesNotContain(role.Rules, r => r.ResourceNames is { Count: > 0 });

        var label = ClusterOptions.DefaultLabelSelector.Split('=');
        Assert.Equal(label[1], daemonSet.Spec.Template.Metadata.Labels[label[0]]);
    }

    [Fact]
    public void ThePatch_GivesTheAgentsTheTlsListenerTheClientReaches()
    {
        var daemonSet = DaemonSet();
        var patch = KubernetesYaml.Deserialize<V1DaemonSet>(File.ReadAllText(DeployFile("daemonset-cluster-patch.yaml")));
        var agent = Assert.Single(patch.Spec.Template.Spec.Containers);
        var original = Assert.Single(daemonSet.Spec.Template.Spec.Containers);
        Assert.Equal(original.Name, agent.Name);
        // The patch replaces args whole: it keeps the manifest's and adds the listener.
        Assert.Equal(original.Args, agent.Args.Take(original.Args.Count));

        var options = AgentCommandLine.Parse([.. agent.Args]); // the agent's own parser accepts them
        var url = Assert.Single(options.Urls);
        Assert.Equal(("https", ClusterOptions.DefaultPort), (url.Scheme, url.Port));
        Assert.Contains(agent.Ports, p => p.ContainerPort == ClusterOptions.DefaultPort && p.Protocol == "TCP");
        var mount = Assert.Single(agent.VolumeMounts);
        Assert.True(mount.ReadOnlyProperty);
        foreach (var file in (string?[])[options.TlsCertificate, options.TlsKey, options.TokenFile])
        {
            Assert.Equal(mount.MountPath, Path.GetDirectoryName(file));
        }
        var volume = Assert.Single(patch.Spec.Template.Spec.Volumes);
        Assert.Equal(mount.Name, volume.Name);
        Assert.NotNull(volume.Secret);
        Assert.Equal(["tls.crt", "tls.key", "token"], ((string?[])[options.TlsCertificate, options.TlsKey, options.TokenFile]).Select(Path.GetFileName));
    }

    private static V1DaemonSet DaemonSet() =>
        KubernetesYaml.LoadAllFromString(File.ReadAllText(DeployFile("daemonset.yaml"))).OfType<V1DaemonSet>().Single();

    private static string DeployFile(string name) => Path.Combine(DaemonSetPod.RepositoryRoot, "deploy", name);
}
