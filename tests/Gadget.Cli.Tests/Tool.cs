using System.Diagnostics;
using System.Text;

namespace Gadget.Cli.Tests;

/// <summary>One of the command-line tools, built with this test project, run as a child process.</summary>
internal sealed record Tool(string Name, string Project, string Executable)
{
    internal static readonly Tool Gadgets = new("gadgets", "Gadgets", "gadgets");
    internal static readonly Tool Traceloop = new("traceloop", "Traceloop", "traceloop");
    internal static readonly Tool SyscallCount = new("syscallcount", "SyscallCount", "SyscallCount");
    internal static readonly Tool BpfSkeleton = new("bpfskeleton", "BpfSkeleton", "BpfSkeleton");
    internal static readonly Tool Client = new("gadget", "Gadget.Client", "gadget");
    internal static readonly Tool Agent = new("gadget-agent", "Gadget.Agent", "gadget-agent");
    internal static readonly Tool OciHook = new("gadget-oci-hook", "Gadget.OciHook", "Gadget.OciHook");

    /// <summary>How long a run may take before the test calls it hung (not a measurement: a guard).</summary>
    internal static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(3);

    /// <summary>The repository root (holds Gadget.sln).</summary>
    internal static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The build configuration of this test assembly (the samples are built the same).</summary>
    internal static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;

    /// <summary>The tool's apphost in its project's own build output.</summary>
    internal string Path
    {
        get
        {
            var path = System.IO.Path.Combine(RepositoryRoot, "samples", Project, "bin", Configuration, "net10.0", Executable);
            Assert.True(File.Exists(path), $"{Name} is not built at {path}");
            return path;
        }
    }

    /// <summary>
    /// Starts the tool with <paramref name="arguments"/>: as uid/gid 65534 without capabilities when <paramref name="unprivileged"/>,
    /// or as uid/gid 65534 with exactly <paramref name="capabilities"/> (ambient, e.g. <c>bpf</c>, <c>perfmon</c>) when given;
    /// <paramref name="memlockBytes"/> sets its RLIMIT_MEMLOCK (prlimit); <paramref name="launcher"/> is a command line
    /// that runs it, put before all that (e.g. <c>setpriv --inh-caps=-ipc_lock --bounding-set=-ipc_lock --</c>).
    /// </summary>
    internal Process Start(IEnumerable<string> arguments, bool unprivileged = false, IReadOnlyDictionary<string, string>? environment = null,
        IReadOnlyList<string>? capabilities = null, long? memlockBytes = null, IReadOnlyList<string>? launcher = null)
    {
        unprivileged |= capabilities is not null;
        var file = memlockBytes is not null ? "prlimit" : unprivileged ? "setpriv" : Path;
        var start = new ProcessStartInfo(launcher is { Count: > 0 } ? launcher[0] : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = System.IO.Path.GetTempPath(),
        };
        if (launcher is { Count: > 0 })
        {
            foreach (var argument in launcher.Skip(1).Append(file))
            {
                start.ArgumentList.Add(argument);
            }
        }
        if (memlockBytes is { } memlock)
        {
            foreach (var argument in (string[])[$"--memlock={memlock}:{memlock}", "--", unprivileged ? "setpriv" : Path])
            {
                start.ArgumentList.Add(argument);
            }
        }
        if (unprivileged)
        {
            // Ambient capabilities survive the exec of the tool by a non-root uid; they must be inheritable too.
            var caps = capabilities is { Count: > 0 } ? "-all," + string.Join(',', capabilities.Select(c => "+" + c)) : "-all";
            string[] setpriv = capabilities is { Count: > 0 }
                ? ["--reuid=65534", "--regid=65534", "--clear-groups", $"--inh-caps={caps}", $"--ambient-caps={caps}", "--", Path]
                : ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--", Path];
            foreach (var argument in setpriv)
            {
                start.ArgumentList.Add(argument);
            }
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        return Process.Start(start)!;
    }

    /// <summary>Runs the tool to its end: exit code, standard output, standard error.</summary>
    internal async Task<CliRun> RunAsync(IEnumerable<string> arguments, bool unprivileged = false, IReadOnlyDictionary<string, string>? environment = null,
        IReadOnlyList<string>? capabilities = null, long? memlockBytes = null, IReadOnlyList<string>? launcher = null)
    {
        var list = arguments.ToArray();
        using var process = Start(list, unprivileged, environment, capabilities, memlockBytes, launcher);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(HangGuard);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Name} {string.Join(' ', list)} did not end");
        }
        return new CliRun($"{Name} {string.Join(' ', list)}", process.ExitCode, await output, await error);
    }

    /// <summary>Runs the tool with its standard output's reader closed at once (like <c>| head</c> that has had enough).</summary>
    internal async Task<CliRun> RunWithStdoutClosedAsync(IEnumerable<string> arguments)
    {
        var list = arguments.ToArray();
        using var process = Start(list);
        process.StandardInput.Close();
        var error = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (error) { error.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        process.StandardOutput.Close(); // the pipe's only reader is gone
        try
        {
            await process.WaitForExitAsync().WaitAsync(HangGuard);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Name} {string.Join(' ', list)} ran on with its standard output closed");
        }
        process.WaitForExit(); // the stderr reader has seen the end
        lock (error)
        {
            return new CliRun($"{Name} {string.Join(' ', list)}", process.ExitCode, "", error.ToString());
        }
    }

    public override string ToString() => Name;

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Gadget.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("Gadget.sln not found above " + AppContext.BaseDirectory);
    }
}
