using System.Text.Json;
using System.Text.Json.Nodes;
using Gadget.Containers.Tests;

namespace Gadget.Cli.Tests;

/// <summary>
/// A gadget's JSON about a real runc container: oomkill (a container over its memory limit is killed), selected by
/// --id, validated against the schema, with the container in <c>runtime</c>.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class ContainerSchemaTests
{
    private const long MemoryLimit = 32L << 20;

    [Fact]
    public async Task OomKillJsonNamesTheContainer()
    {
        var id = RuncContainer.NewId("cli-oom");
        using var gadget = new RunningTool(Tool.Gadgets, "oomkill", "--id", id, "-o", "json");
        await gadget.WaitReadyAsync();
        // busybox tail keeps the last 10 lines of /dev/zero, which has no newline: it grows until the limit.
        using var container = RuncContainer.Create(id, ["sh", "-c", "sleep 0.5; /bin/busybox tail /dev/zero"], configure: LimitMemory);
        var line = await gadget.TriggerUntilAsync(() => { }, l => l.Contains(id, StringComparison.Ordinal));
        await gadget.InterruptExpectingSuccessAsync();
        Assert.All(gadget.Lines, l => EventSchemaFile.AssertValid(l, gadget.CommandLine));
        var kill = JsonDocument.Parse(line).RootElement;
        Assert.Equal("oomkill", kill.GetProperty("gadget").GetString());
        Assert.Equal(id, kill.GetProperty("runtime").GetProperty("containerId").GetString());
        Assert.Equal("runc", kill.GetProperty("runtime").GetProperty("name").GetString());
        Assert.Equal("busybox", kill.GetProperty("kcomm").GetString());
        Assert.Contains(id, kill.GetProperty("memcg").GetString(), StringComparison.Ordinal);
    }

    private static void LimitMemory(JsonObject config)
    {
        var linux = config["linux"]!.AsObject();
        linux["resources"] ??= new JsonObject();
        linux["resources"]!["memory"] = new JsonObject { ["limit"] = MemoryLimit, ["swap"] = MemoryLimit };
    }
}
