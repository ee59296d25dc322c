using System.Diagnostics;
using System.Text;

namespace Gadget.Tracers.Tests;

/// <summary><c>traceloop watch</c> in a child process (the CLI built with this test project), and <c>traceloop dump</c> against it.</summary>
internal sealed class WatchProcess : IDisposable
{
    /// <summary>traceloop.dll in samples/Traceloop's own build output (its deps.json and runtimeconfig are there), built
    /// in this test project's configuration by the project reference.</summary>
    private static readonly Lazy<string> CliPath = new(() =>
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Gadget.sln")))
        {
            directory = directory.Parent;
        }
        Assert.True(directory is not null, "the repository root (Gadget.sln) is not above " + AppContext.BaseDirectory);
        var configuration = typeof(WatchProcess).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .Cast<System.Reflection.AssemblyConfigurationAttribute>().Single().Configuration;
        var path = Path.Combine(directory.FullName, "samples", "Traceloop", "bin", configuration, "net10.0", "traceloop.dll");
        Assert.True(File.Exists(path), "the traceloop CLI is not built at " + path);
        return path;
    });

    private readonly Process _process;
    private readonly StringBuilder _error = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WatchProcess(string socket, string[] selector)
    {
        Socket = socket;
        _process = new Process { StartInfo = Start(["watch", "--socket", socket, .. selector]) };
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_error)
            {
                _error.AppendLine(e.Data);
            }
            if (e.Data?.Contains("recording containers", StringComparison.Ordinal) == true)
            {
                _ready.TrySetResult();
            }
        };
        _process.OutputDataReceived += (_, _) => { };
        _process.Start();
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    internal string Socket { get; }

    internal int Id => _process.Id;

    internal string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    internal bool HasExited => _process.HasExited;

    /// <summary>Starts a watch of <paramref name="selector"/> listening for dumps on a fresh socket.</summary>
    internal static WatchProcess Launch(params string[] selector) =>
        new(Path.Combine(Path.GetTempPath(), $"gadget-watch-{Guid.NewGuid():N}.sock"), selector);

    /// <summary>Waits until the watch says it records.</summary>
    internal async Task WaitReadyAsync(TimeSpan timeout)
    {
        var finished = await Task.WhenAny(_ready.Task, _process.WaitForExitAsync(), Task.Delay(timeout));
        Assert.True(finished == _ready.Task, "traceloop watch did not start recording: " + Error);
    }

    /// <summary><c>traceloop dump --output json CONTAINER</c>: the exit code and each JSON line.</summary>
    internal async Task<(int ExitCode, string Output, string Error)> DumpAsync(string container)
    {
        using var dump = new Process { StartInfo = Start(["dump", "--output", "json", "--socket", Socket, container]) };
        dump.Start();
        var output = dump.StandardOutput.ReadToEndAsync();
        var error = dump.StandardError.ReadToEndAsync();
        await dump.WaitForExitAsync();
        return (dump.ExitCode, await output, await error);
    }

    /// <summary>SIGKILL, as an OOM killer or a crash would end it: nothing of its own runs after.</summary>
    internal void KillHard()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        KillHard();
        _process.Dispose();
        File.Delete(Socket);
    }

    internal static ProcessStartInfo Start(string[] arguments)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(CliPath.Value);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return start;
    }
}
