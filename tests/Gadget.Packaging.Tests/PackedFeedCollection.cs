namespace Gadget.Packaging.Tests;

/// <summary>The test classes that share one <see cref="PackedFeed"/> (one 'dotnet pack' of src/ per run).</summary>
[CollectionDefinition(Name)]
public sealed class PackedFeedCollection : ICollectionFixture<PackedFeed>
{
    /// <summary>The collection's name, for <c>[Collection]</c>.</summary>
    public const string Name = "packed feed";
}
