using Xunit.Abstractions;

namespace Gadget.Packaging.Tests;

/// <summary>
/// A console app made the way a package README tells its reader: a new console project referencing the package (from the
/// <see cref="PackedFeed"/>) and the packages its examples use, then a README example pasted as Program.cs, built, and run as
/// the user running the tests (root). One app per package, rebuilt for each of its examples.
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

    /// <summary>
    /// Makes the app in the feed's temporary folder, referencing <paramref name="package"/> (this run's version) and
    /// <paramref name="otherPackages"/>: the project file <c>dotnet new console</c> writes, with the PackageReferences
    /// <c>dotnet add package</c> adds (written directly: those CLI calls cost seconds each, and
    /// <see cref="PackageTests.ANewConsoleAppRecordsARealSyscallThroughThePackages"/> runs them already).
    /// </summary>
    public static ExampleApp Create(PackedFeed feed, string package, IEnumerable<(string Id, string Version)> otherPackages, ITestOutputHelper output)
    {
        var directory = Path.Combine(feed.Root, "readme-" + package);
        System.IO.Directory.CreateDirectory(directory);
        feed.WriteNuGetConfig(directory);
        var references = string.Concat(
            ((IEnumerable<(string Id, string Version)>)[(package, feed.Version), .. otherPackages])
            .Select(reference => $"\n    <PackageReference Include=\"{reference.Id}\" Version=\"{reference.Version}\" />"));
        File.WriteAllText(Path.Combine(directory, "ReadmeExample.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>{references}
              </ItemGroup>
            </Project>
            """);
        return new ExampleApp(directory, feed.RepositoryRoot, output);
    }

    /// <summary>Makes <paramref name="code"/> the app's Program.cs and builds it (Release, warnings as errors: a pasted example must build cleanly).</summary>
    public void Build(string code)
    {
        File.WriteAllText(Path.Combine(Directory, "Program.cs"), code);
        string[] arguments = ["build", "-c", "Release", "-nologo", "-warnaserror", .. _restored ? ["--no-restore"] : Array.Empty<string>()];
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (exit, text) = DotnetCli.Run(Directory, CliTimeout, arguments);
        _output.WriteLine($"built in {watch.Elapsed.TotalSeconds:F1} s{(_restored ? string.Empty : " (with restore)")}");
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

}
