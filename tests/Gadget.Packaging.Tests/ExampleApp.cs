using Xunit.Abstractions;

namespace Gadget.Packaging.Tests;

/// <summary>
/// A console app made the way a package README tells its reader: <c>dotnet new console</c>, <c>dotnet add package</c> of the
/// package (from the <see cref="PackedFeed"/>) and of the packages its examples use, then a README example pasted as
/// Program.cs, built, and run as the user running the tests (root). One app per package, rebuilt for each of its examples.
/// </summary>
internal sealed class ExampleApp
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromMinutes(3);
    private readonly ITestOutputHelper _output;
    private bool _restored;

    private ExampleApp(string directory, string repositoryRoot, ITestOutputHelper output)
    {
        Directory = directory;
        RepositoryRoot = repositoryRoot;
        _output = output;
    }

    /// <summary>The app's project folder: the working directory of every run.</summary>
    public string Directory { get; }

    /// <summary>The checkout the packages were packed from.</summary>
    public string RepositoryRoot { get; }

    private string Assembly => Path.Combine(Directory, "bin", "Release", "net10.0", "ReadmeExample.dll");

    /// <summary>Makes the app in the feed's temporary folder and adds <paramref name="package"/> and <paramref name="otherPackages"/> to it.</summary>
    public static ExampleApp Create(PackedFeed feed, string package, IEnumerable<(string Id, string Version)> otherPackages, ITestOutputHelper output)
    {
        var directory = Path.Combine(feed.Root, "readme-" + package);
        Cli(feed.Root, "new", "console", "-n", "ReadmeExample", "-o", directory, "--framework", "net10.0");
        feed.WriteNuGetConfig(directory);
        // No restore per package: the first build restores them all at once.
        Cli(directory, "add", "package", package, "--version", feed.Version, "--no-restore");
        foreach (var (id, version) in otherPackages)
        {
            Cli(directory, "add", "package", id, "--version", version, "--no-restore");
        }
        return new ExampleApp(directory, feed.RepositoryRoot, output);
    }

    /// <summary>Makes <paramref name="code"/> the app's Program.cs and builds it (Release, warnings as errors: a pasted example must build cleanly).</summary>
    public void Build(string code)
    {
        File.WriteAllText(Path.Combine(Directory, "Program.cs"), code);
        string[] arguments = ["build", "-c", "Release", "-nologo", "-warnaserror", .. _restored ? ["--no-restore"] : Array.Empty<string>()];
        var (exit, text) = DotnetCli.Run(Directory, CliTimeout, arguments);
        Assert.True(exit == 0, $"The example does not build:\n{code}\n{text}");
        _restored = true;
    }

    /// <summary>Copies <paramref name="file"/> into the app's folder (e.g. a BPF object the example opens by name).</summary>
    public void CopyIn(string file) => File.Copy(file, Path.Combine(Directory, Path.GetFileName(file)), overwrite: true);

    /// <summary>Runs the built example to its end (what <c>dotnet run -- arguments</c> does, without building again) and returns what it printed; fails if it exits non-zero.</summary>
    public string Run(params string[] arguments)
    {
        using var process = Start(arguments);
        return process.WaitForSuccess();
    }

    /// <summary>Starts the built example, for a test that acts while it runs; <see cref="RunningExample.WaitForSuccess"/> waits for its end.</summary>
    public RunningExample Start(params string[] arguments) =>
        new(RunningProcess.Start(DotnetCli.Executable, Directory, [Assembly, .. arguments]), _output);

    private static void Cli(string workingDirectory, params string[] arguments)
    {
        var (exit, text) = DotnetCli.Run(workingDirectory, CliTimeout, arguments);
        Assert.True(exit == 0, $"dotnet {string.Join(' ', arguments)} failed:\n{text}");
    }
}
