namespace Gadget.Containers.Tests;

public sealed class ContainerSelectorTests
{
    private static Container Make(string id, string? pod = null, string? ns = null, int index = 0, Dictionary<string, string>? labels = null, ContainerRuntime runtime = ContainerRuntime.Runc) => new()
    {
        Runtime = runtime,
        Id = id,
        Name = id,
        Pid = 1,
        CgroupPath = "/" + id,
        CgroupId = 1,
        MountNamespaceId = 1,
        Labels = labels ?? [],
        Kubernetes = pod is null ? null : new KubernetesMetadata { PodName = pod, Namespace = ns!, ContainerName = id, ContainerIndex = index },
    };

    [Fact]
    public void ParsesLabelSelectors()
    {
        var labels = ContainerSelector.ParseLabels(" k8s-app=myapp , tier=bar");
        Assert.Equal(2, labels.Count);
        Assert.Equal("myapp", labels["k8s-app"]);
        Assert.Equal("bar", labels["tier"]);
        Assert.Throws<FormatException>(() => ContainerSelector.ParseLabels("k8s-app"));
    }

    [Fact]
    public void EveryGivenCriterionMustMatch()
    {
        var web = Make("abc123", "mypod", "prod", index: 1, labels: new() { ["k8s-app"] = "myapp", ["tier"] = "bar" }, runtime: ContainerRuntime.Containerd);
        var plain = Make("def456");
        Assert.True(ContainerSelector.All.Matches(web));
        Assert.True(ContainerSelector.All.Matches(plain));
        Assert.True(new ContainerSelector { IdPrefix = "abc" }.Matches(web));
        Assert.False(new ContainerSelector { IdPrefix = "abc" }.Matches(plain));
        Assert.True(new ContainerSelector { Name = "def456" }.Matches(plain));
        Assert.True(new ContainerSelector { KubernetesNamespace = "prod", PodName = "mypod" }.Matches(web));
        Assert.False(new ContainerSelector { KubernetesNamespace = "dev", PodName = "mypod" }.Matches(web));
        Assert.False(new ContainerSelector { PodName = "mypod" }.Matches(plain));
        Assert.True(new ContainerSelector { ContainerIndex = 1 }.Matches(web));
        Assert.False(new ContainerSelector { ContainerIndex = 0 }.Matches(web));
        Assert.True(new ContainerSelector { Runtime = ContainerRuntime.Containerd }.Matches(web));
        Assert.False(new ContainerSelector { Runtime = ContainerRuntime.Containerd }.Matches(plain));
        Assert.True(new ContainerSelector { Labels = ContainerSelector.ParseLabels("k8s-app=myapp,tier=bar") }.Matches(web));
        Assert.False(new ContainerSelector { Labels = ContainerSelector.ParseLabels("k8s-app=myapp,tier=foo") }.Matches(web));
        Assert.Equal("pod=mypod labels=tier=bar", new ContainerSelector { PodName = "mypod", Labels = ContainerSelector.ParseLabels("tier=bar") }.ToString());
    }
}
