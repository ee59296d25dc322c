using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Gadget.Bpf.Generators.Tests;

/// <summary>Item metadata as the build passes it (build_metadata.AdditionalFiles.NAME), the same for every file.</summary>
internal sealed class MetadataOptionsProvider(IReadOnlyDictionary<string, string> metadata) : AnalyzerConfigOptionsProvider
{
    private readonly Options _options = new(metadata.ToDictionary(p => "build_metadata.AdditionalFiles." + p.Key, p => p.Value));

    public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(new Dictionary<string, string>());

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => GlobalOptions;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => _options;

    private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
    }
}
