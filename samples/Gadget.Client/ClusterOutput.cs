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

    /// <summary>The elements of a node's JSON array, each with its node (a non-object as <c>{"value":...}</c>; an answer that is not an array is one element).</summary>
    /// <exception cref="JsonException">The answer is not JSON.</exception>
    public static IReadOnlyList<JsonNode?> Elements(string json, string node)
    {
        var parsed = JsonNode.Parse(json);
        if (parsed is not JsonArray items)
        {
            return [WithNode(parsed, node)];
        }
        var elements = items.ToArray();
        items.Clear(); // (an element belongs to one parent: detached before it moves into the merged array)
        return [.. elements.Select(e => WithNode(e, node))];
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
