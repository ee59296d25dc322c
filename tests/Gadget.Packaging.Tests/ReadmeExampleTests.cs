using Xunit.Abstractions;

namespace Gadget.Packaging.Tests;

/// <summary>
/// Every package's README guide works as written: each of its C# examples, pasted as the Program.cs of a new console app that
/// references the package from the packed feed, builds without warnings, runs as root against the real kernel, and prints
/// what proves it did something real (see <see cref="ReadmeExpectations"/>).
/// </summary>
[Collection(PackedFeedCollection.Name)]
public sealed class ReadmeExampleTests(PackedFeed feed, ITestOutputHelper output)
{
    /// <summary>Every library under src/ (each is a package with a README), for the theory.</summary>
    public static TheoryData<string> Packages() => new(PackageNames());

    [Theory]
    [MemberData(nameof(Packages))]
    public void EveryCSharpExampleOfThePackageReadmeBuildsRunsAndDoesWhatItSays(string package)
    {
        var readmePath = Path.Combine(feed.RepositoryRoot, "src", package, "README.md");
        Assert.True(File.Exists(readmePath), $"src/{package} has no README.md: add one with a guide and a ```csharp example (a whole Program.cs).");
        var examples = MarkdownCode.CSharpBlocks(File.ReadAllText(readmePath));
        Assert.True(examples.Count > 0, $"src/{package}/README.md has no ```csharp example: add one (a whole Program.cs that runs and stops by itself).");
        Assert.True(
            ReadmeExpectations.ByPackage.TryGetValue(package, out var expectation),
            $"No expectation for {package}'s README examples: add an entry to {nameof(ReadmeExpectations)}.{nameof(ReadmeExpectations.ByPackage)} " +
            "(the packages they use, and for each example a check that runs it and asserts on what it printed).");
        Assert.True(
            expectation.Examples.Count == examples.Count,
            $"src/{package}/README.md has {examples.Count} C# examples but {nameof(ReadmeExpectations)} checks {expectation.Examples.Count}: " +
            "give every example its check, in the README's order.");

        var app = ExampleApp.Create(feed, package, expectation.OtherPackages, output);
        for (var i = 0; i < examples.Count; i++)
        {
            output.WriteLine($"--- {package} README example {i + 1} of {examples.Count}");
            app.Build(examples[i]);
            expectation.Examples[i](app);
        }
    }

    [Fact]
    public void EveryReadmeExpectationIsForAPackage()
    {
        var packages = PackageNames().ToHashSet(StringComparer.Ordinal);
        Assert.All(ReadmeExpectations.ByPackage.Keys, name => Assert.True(packages.Contains(name), $"{nameof(ReadmeExpectations)} has an entry for {name}, which is not a package under src/."));
    }

    private static string[] PackageNames() =>
        Directory.GetDirectories(Path.Combine(PackedFeed.FindRepositoryRoot(), "src"))
            .Where(directory => File.Exists(Path.Combine(directory, Path.GetFileName(directory) + ".csproj")))
            // The skeleton generator is no package of its own: it ships inside Gadget.Bpf.
            .Where(directory => !File.ReadAllText(Path.Combine(directory, Path.GetFileName(directory) + ".csproj")).Contains("<IsPackable>false</IsPackable>", StringComparison.Ordinal))
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToArray();
}
