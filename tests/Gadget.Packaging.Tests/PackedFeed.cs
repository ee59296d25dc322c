using System.Globalization;
using System.Xml.Linq;

namespace Gadget.Packaging.Tests;

/// <summary>
/// Packs every library under src/ once (one 'dotnet pack' of a temporary solution listing src/*/*.csproj) with a unique
/// prerelease version into a temporary local feed, building in a private artifacts folder so the repository's own
/// bin/obj outputs are untouched. Deletes the feed and the packages it put in the NuGet cache afterwards. Shared by every
/// test class of the <see cref="PackedFeedCollection"/>: packing is slow, so it is done once per test run.
/// </summary>
public sealed class PackedFeed : IDisposable
{
    public PackedFeed()
    {
        RepositoryRoot = FindRepositoryRoot();
        Version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "." + Environment.ProcessId;
        Root = Directory.CreateTempSubdirectory("gadget-packaging-").FullName;
        FeedDirectory = Path.Combine(Root, "feed");
        Projects = Directory.GetDirectories(Path.Combine(RepositoryRoot, "src"))
            .Select(directory => Path.Combine(directory, Path.GetFileName(directory) + ".csproj"))
            .Where(File.Exists)
            // Not every project under src/ is a package: the skeleton generator ships inside Gadget.Bpf (as its analyzer).
            .Where(project => !File.ReadAllText(project).Contains("<IsPackable>false</IsPackable>", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();
        var (exit, output) = DotnetCli.Run(Root, TimeSpan.FromMinutes(2), "new", "sln", "-n", "packs", "-o", Root);
        Assert.True(exit == 0, output);
        var solution = Directory.GetFiles(Root, "packs.sln*").Single();
        Tools = [Path.Combine(RepositoryRoot, "samples", "Gadget.Client", "Gadget.Client.csproj")];
        (exit, output) = DotnetCli.Run(Root, TimeSpan.FromMinutes(2), ["sln", solution, "add", .. Projects, .. Tools]);
        Assert.True(exit == 0, output);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        (exit, output) = DotnetCli.Run(Root, TimeSpan.FromMinutes(6),
            "pack", solution, "-c", "Release", "-o", FeedDirectory, "--artifacts-path", Path.Combine(Root, "artifacts"),
            "-p:Version=" + Version, "-nologo");
        PackDuration = watch.Elapsed;
        PackOutput = output;
        Assert.True(exit == 0, "dotnet pack failed:\n" + output);
    }

    /// <summary>The checkout: the folder with src/ and Directory.Build.props above the test's output folder.</summary>
    public string RepositoryRoot { get; }

    /// <summary>The unique version of this run's packages.</summary>
    public string Version { get; }

    /// <summary>This run's temporary folder.</summary>
    public string Root { get; }

    /// <summary>The local feed (the .nupkg and .snupkg files).</summary>
    public string FeedDirectory { get; }

    /// <summary>src/*/*.csproj: every library, each of them a package.</summary>
    public IReadOnlyList<string> Projects { get; }

    /// <summary>The dotnet tools packed with the libraries: the <c>gadget</c> client.</summary>
    public IReadOnlyList<string> Tools { get; }

    /// <summary>How long 'dotnet pack' took (for the test log).</summary>
    public TimeSpan PackDuration { get; }

    /// <summary>What dotnet pack printed.</summary>
    public string PackOutput { get; }

    /// <summary>The BPF objects a project embeds: the LogicalName of its EmbeddedResource items ending in .bpf.o.</summary>
    public static IReadOnlyList<string> EmbeddedBpfObjects(string project) =>
        XDocument.Load(project).Descendants("EmbeddedResource")
            .Select(item => (string?)item.Attribute("LogicalName") ?? Path.GetFileName((string?)item.Attribute("Include") ?? ""))
            .Where(name => name.EndsWith(".bpf.o", StringComparison.Ordinal))
            .ToArray();

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var project in Projects.Concat(Tools))
        {
            var cached = Path.Combine(cache, Path.GetFileNameWithoutExtension(project).ToLowerInvariant(), Version);
            if (Directory.Exists(cached))
            {
                Directory.Delete(cached, recursive: true);
            }
        }
    }

    /// <summary>Writes a nuget.config into <paramref name="directory"/> with this feed first, then nuget.org (for the packages' dependencies).</summary>
    public void WriteNuGetConfig(string directory) =>
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{FeedDirectory}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);

    /// <summary>The checkout: the folder with src/ and Directory.Build.props above the test's output folder.</summary>
    internal static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (Directory.Exists(Path.Combine(directory.FullName, "src")) && File.Exists(Path.Combine(directory.FullName, "Directory.Build.props")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No checkout (src/ and Directory.Build.props) above {AppContext.BaseDirectory}.");
    }
}
