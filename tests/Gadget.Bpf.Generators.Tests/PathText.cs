using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Gadget.Bpf.Generators.Tests;

/// <summary>An additional file as the compiler passes one: a path (the generator reads the binary object from it).</summary>
internal sealed class PathText(string path) : AdditionalText
{
    public override string Path { get; } = path;

    public override SourceText? GetText(CancellationToken cancellationToken = default) => SourceText.From(string.Empty);
}
