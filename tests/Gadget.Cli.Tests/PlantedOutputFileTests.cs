using System.Diagnostics;

namespace Gadget.Cli.Tests;

/// <summary>
/// A file root is told to write (<c>traceloop run --output-file</c>, <c>traceloop advise seccomp-profile --file</c>) in a
/// sticky world-writable directory like <c>/tmp</c>, where a local user (uid 65534 here) planted a symbolic link to a file
/// of root's, or a file of their own: root neither empties and overwrites the link's target nor fills the user's file with
/// the history (the checks hold whatever <c>fs.protected_symlinks</c> and <c>fs.protected_regular</c> say). Root's own file
/// there, and a new one, are written as before.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class PlantedOutputFileTests : IDisposable
{
    private const string Untouched = "root's file, untouched\n";
    private readonly string _sticky;
    private readonly string _victim;

    public PlantedOutputFileTests()
    {
        _sticky = Directory.CreateTempSubdirectory("gadget-sticky-").FullName;
        File.SetUnixFileMode(_sticky, (UnixFileMode)Convert.ToInt32("1777", 8));
        _victim = Path.Combine(Directory.CreateTempSubdirectory("gadget-victim-").FullName, "config");
        File.WriteAllText(_victim, Untouched);
    }

    public void Dispose()
    {
        Directory.Delete(_sticky, recursive: true);
        Directory.Delete(Path.GetDirectoryName(_victim)!, recursive: true);
    }

    public static TheoryData<string> Options => new() { "run", "advise" };

    [Theory]
    [MemberData(nameof(Options))]
    public async Task AnotherUsersSymbolicLinkIsNotFollowed(string command)
    {
        var planted = Path.Combine(_sticky, "trace.txt");
        File.CreateSymbolicLink(planted, _victim);
        Chown(planted);

        var run = await Traceloop(command, planted);

        Assert.True(run.ExitCode == 1, $"{run.CommandLine}: exit {run.ExitCode}\n{run.Error}");
        Assert.Contains("symbolic link of user 65534", run.Error, StringComparison.Ordinal);
        Assert.Equal(Untouched, File.ReadAllText(_victim));
    }

    [Theory]
    [MemberData(nameof(Options))]
    public async Task AnotherUsersFileIsNotFilled(string command)
    {
        var planted = Path.Combine(_sticky, "trace.txt");
        File.WriteAllText(planted, "");
        File.SetUnixFileMode(planted, (UnixFileMode)Convert.ToInt32("666", 8));
        Chown(planted);

        var run = await Traceloop(command, planted);

        Assert.True(run.ExitCode == 1, $"{run.CommandLine}: exit {run.ExitCode}\n{run.Error}");
        Assert.Contains("file of user 65534", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, new FileInfo(planted).Length);
    }

    [Theory]
    [MemberData(nameof(Options))]
    public async Task RootsOwnAndNewFilesAreWritten(string command)
    {
        var own = Path.Combine(_sticky, "own.txt");
        File.WriteAllText(own, "old content that is emptied first\n");
        var fresh = Path.Combine(_sticky, "new.txt");

        var first = await Traceloop(command, own);
        var second = await Traceloop(command, fresh);

        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, $"{first.CommandLine}: exit {first.ExitCode}\n{first.Error}\n{second.CommandLine}: exit {second.ExitCode}\n{second.Error}");
        var expected = command == "run" ? "execve(" : "\"syscalls\"";
        Assert.Contains(expected, File.ReadAllText(own), StringComparison.Ordinal);
        Assert.DoesNotContain("old content", File.ReadAllText(own), StringComparison.Ordinal);
        Assert.Contains(expected, File.ReadAllText(fresh), StringComparison.Ordinal);
    }

    private static Task<CliRun> Traceloop(string command, string file) => command == "run"
        ? Tool.Traceloop.RunAsync(["run", "--output-file", file, "--", "/bin/true"])
        : Tool.Traceloop.RunAsync(["advise", "seccomp-profile", "--file", file, "--", "/bin/true"]);

    private static void Chown(string path)
    {
        using var chown = Process.Start("chown", ["-h", "65534:65534", path])!;
        chown.WaitForExit();
        Assert.Equal(0, chown.ExitCode);
    }
}
