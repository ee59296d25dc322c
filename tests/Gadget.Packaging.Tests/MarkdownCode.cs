namespace Gadget.Packaging.Tests;

/// <summary>The fenced code blocks of a markdown text.</summary>
internal static class MarkdownCode
{
    /// <summary>The content of every <c>```csharp</c> block, in order (another spelling of a C# fence fails: it would go unchecked).</summary>
    public static IReadOnlyList<string> CSharpBlocks(string markdown)
    {
        var blocks = new List<string>();
        List<string>? current = null;
        foreach (var line in markdown.Split('\n'))
        {
            var trimmed = line.TrimEnd('\r');
            if (current is null)
            {
                var fence = trimmed.TrimStart();
                if (fence == "```csharp")
                {
                    current = [];
                }
                else if (fence is "```cs" or "```c#" or "```C#")
                {
                    Assert.Fail($"'{fence}': mark C# examples as ```csharp, so that they are built and run.");
                }
            }
            else if (trimmed.TrimStart() == "```")
            {
                blocks.Add(string.Join('\n', current) + "\n");
                current = null;
            }
            else
            {
                current.Add(trimmed);
            }
        }
        Assert.True(current is null, "a ```csharp block is not closed");
        return blocks;
    }
}
