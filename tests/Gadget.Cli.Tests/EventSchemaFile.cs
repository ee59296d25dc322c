using System.Text;
using System.Text.Json;
using Json.Schema;

namespace Gadget.Cli.Tests;

/// <summary>schemas/gadget-event.schema.json, and the check of one JSON line against it.</summary>
internal static class EventSchemaFile
{
    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "gadget-event.schema.json"))));

    /// <summary>Asserts that <paramref name="line"/> is one valid record of the schema; returns its root.</summary>
    internal static JsonElement AssertValid(string line, string context)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(line).RootElement;
        }
        catch (JsonException e)
        {
            Assert.Fail($"{context}: not JSON ({e.Message}): {line}");
            throw;
        }
        var result = Schema.Value.Evaluate(root, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        if (!result.IsValid)
        {
            var errors = new StringBuilder();
            foreach (var detail in result.Details ?? [])
            {
                foreach (var (keyword, message) in detail.Errors ?? new Dictionary<string, string>())
                {
                    errors.Append($"\n  {detail.InstanceLocation} ({detail.EvaluationPath}): {keyword}: {message}");
                }
            }
            Assert.Fail($"{context}: does not match schemas/gadget-event.schema.json:{errors}\n{line}");
        }
        return root;
    }
}
