using Xunit.Abstractions;

namespace Gadget.Packaging.Tests;

/// <summary>
/// Package validation has a baseline: every pack compares a package's public API with the last release's package
/// (eng/package-baseline/, PackageValidationBaselinePath), and a breaking change fails the pack.
/// </summary>
[Collection(PackedFeedCollection.Name)]
public sealed class PackageBaselineTests(PackedFeed feed, ITestOutputHelper output)
{
    [Fact]
    public void EveryReleasedPackageIsPackedAgainstItsBaseline()
    {
        var baselines = Directory.GetFiles(Path.Combine(feed.RepositoryRoot, "eng", "package-baseline"), "*.nupkg");
        Assert.NotEmpty(baselines);
        foreach (var baseline in baselines)
        {
            // Gadget.Bpf.0.1.0.nupkg -> Gadget.Bpf: a project of that name still exists (removing a released package is a break too).
            var name = Path.GetFileNameWithoutExtension(baseline);
            var id = name[..name.LastIndexOf(".0.", StringComparison.Ordinal)];
            Assert.Contains(feed.Projects, project => Path.GetFileNameWithoutExtension(project) == id);
        }
        // The feed's pack (every src project) ran package validation against those baselines and passed.
        Assert.DoesNotContain("error CP", feed.PackOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void RemovingAReleasedMemberFailsThePack()
    {
        // A copy of the sources in which a member that 0.1.0 shipped is no longer public (and no longer declared, so that
        // the PublicAPI analyzer lets it through): ApiCompat, against the baseline package, must refuse to pack it.
        var copy = Path.Combine(feed.Root, "breaking-change");
        CopyTree(feed.RepositoryRoot, copy, ["src", "eng", "bpf"]);
        foreach (var file in new[] { "Directory.Build.props", "nuget.config" })
        {
            File.Copy(Path.Combine(feed.RepositoryRoot, file), Path.Combine(copy, file));
        }
        var project = Path.Combine(copy, "src", "Gadget.Traceloop.Hosting");
        var service = Path.Combine(project, "TraceloopBackgroundService.cs");
        var code = File.ReadAllText(service);
        const string released = "    public Task Started => _started.Task;";
        Assert.Contains(released, code, StringComparison.Ordinal);
        File.WriteAllText(service, code.Replace(released, "    internal Task Started => _started.Task;", StringComparison.Ordinal));
        var shipped = Path.Combine(project, "PublicAPI.Shipped.txt");
        File.WriteAllLines(shipped, File.ReadAllLines(shipped).Where(line => !line.Contains("TraceloopBackgroundService.Started", StringComparison.Ordinal)));

        var (exit, text) = DotnetCli.Run(copy, TimeSpan.FromMinutes(4),
            "pack", Path.Combine(project, "Gadget.Traceloop.Hosting.csproj"), "-c", "Release", "-o", Path.Combine(copy, "out"),
            "--artifacts-path", Path.Combine(copy, "artifacts"), "-nologo");
        output.WriteLine(text);
        Assert.NotEqual(0, exit);
        Assert.Contains("CP0002", text, StringComparison.Ordinal);
        Assert.Contains("TraceloopBackgroundService.Started", text, StringComparison.Ordinal);
    }

    private static void CopyTree(string root, string destination, string[] folders)
    {
        foreach (var folder in folders)
        {
            var source = Path.Combine(root, folder);
            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, file);
                var parts = relative.Split(Path.DirectorySeparatorChar);
                if (parts.Contains("bin") || parts.Contains("obj"))
                {
                    continue;
                }
                var target = Path.Combine(destination, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }
    }
}
