using System.Text.Json.Nodes;

namespace Gadget.Cli.Tests;

/// <summary>The schema refuses what it must (so that the validation of real output can fail): a pure test on plain JSON.</summary>
public sealed class SchemaFileTests
{
    private const string Valid = """
        {"type":"event","gadget":"execsnoop","timestamp":"2025-01-02T03:04:05.0000000Z","timestampBoot":5,"k8s":{"node":"n","namespace":"","pod":"","container":""},"runtime":{"name":"runc","containerId":"abc","containerName":"web"},"pid":1,"comm":"sh","args":["sh"]}
        """;

    [Fact]
    public void AcceptsAnEvent() => EventSchemaFile.AssertValid(Valid, "valid");

    [Theory]
    [InlineData("timestamp", null)]
    [InlineData("k8s", null)]
    [InlineData("pid", "\"one\"")]
    [InlineData("args", "\"sh -c\"")]
    [InlineData("timestamp", "\"yesterday\"")]
    [InlineData("gadget", "\"nosuchsnoop\"")]
    [InlineData("dport", "80")]
    public void RefusesAMalformedEvent(string property, string? value)
    {
        var node = JsonNode.Parse(Valid)!.AsObject();
        if (value is null)
        {
            node.Remove(property);
        }
        else
        {
            node[property] = JsonNode.Parse(value);
        }
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => EventSchemaFile.AssertValid(node.ToJsonString(), property));
    }

    [Fact]
    public void AcceptsStreamRecordsAndRefusesUnknownOnes()
    {
        EventSchemaFile.AssertValid("""{"type":"lost","count":3,"source":"kernel","reason":"the gadget's ring buffer was full"}""", "lost");
        EventSchemaFile.AssertValid("""{"type":"attached","gadget":"execsnoop","selector":null,"clients":1}""", "attached");
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => EventSchemaFile.AssertValid("""{"type":"lost","count":0}""", "no loss"));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => EventSchemaFile.AssertValid("""{"type":"hello"}""", "unknown"));
    }
}
