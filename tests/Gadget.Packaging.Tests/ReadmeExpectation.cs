namespace Gadget.Packaging.Tests;

/// <summary>What <see cref="ReadmeExampleTests"/> expects of one package's README.</summary>
/// <param name="OtherPackages">The packages its examples use besides the package itself (the versions nuget.tsv serves).</param>
/// <param name="Examples">One check per C# example, in the README's order: each gets the app with that example built, runs
/// it (setting up what it needs first) and asserts on what it printed.</param>
internal sealed record ReadmeExpectation(IReadOnlyList<(string Id, string Version)> OtherPackages, IReadOnlyList<Action<ExampleApp>> Examples);
