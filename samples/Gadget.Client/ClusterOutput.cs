using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gadget.Client;

/// <summary>
/// How the nodes' answers are merged: JSON gets a <c>k8s.node</c> field (in each element of an array, in each JSON line),
/// text a NODE column first.
/// </summary>
internal static class ClusterOutput
{
    /// <summary>The NODE column's width for these nodes.</summary>
    public static int Width(IEnumerable<string> nodes) => Math.Max("NODE".Length, nodes.Select(n => n.Length).DefaultIfEmpty(0).Max()) + 2;

    /// <summary>One JSON array of every node's array, each element with its node (non-objects are wrapped as <c>{"value":...}</c>).</summary>
    public static string MergeArrays(IEnumerable<(string Node, string Json)> answers)
    {
        var merged = new JsonArray();
        foreach (var (node, json) in answers)
        {
            if (JsonNode.Parse(json) is JsonArray items)
            {
                foreach (var item in items.ToArray())
                {
                    items.Remove(item);
                    merged.Add(WithNode(item, node));
                }
            }
            else
            {
                merged.Add(WithNode(JsonNode.Parse(json), node));
            }
        }
        return merged.ToJsonString() + "\n";
    }

    /// <summary>A JSON line with <c>k8s.node</c> set; a line that is not a JSON object is returned as it is.</summary>
    public static string AddNode(string line, string node)
    {
        if (line.Length == 0 || line[0] != '{')
        {
            return line;
        }
        try
        {
            return JsonNode.Parse(line) is JsonObject item ? WithNode(item, node)!.ToJsonString() : line;
        }
        catch (JsonException)
        {
            return line;
        }
    }

    /// <summary>Each line of <paramref name="text"/> after the node's name, padded to <paramref name="width"/>.</summary>
    public static string Prefix(string text, string node, int width)
    {
        var lines = new StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length > 0)
            {
                lines.Append(node.PadRight(width)).Append(line).Append('\n');
            }
        }
        return lines.ToString();
    }

    private static JsonNode? WithNode(JsonNode? item, string node)
    {
        if (item is not JsonObject obj)
        {
            return new JsonObject { ["value"] = item, ["k8s"] = new JsonObject { ["node"] = node } };
        }
        if (obj["k8s"] is not JsonObject k8s)
        {
            k8s = new JsonObject();
            obj["k8s"] = k8s;
        }
        k8s["node"] = node;
        return obj;
    }
}
