using System.Diagnostics;
using System.Text;
using Gadget.Client;

namespace Gadget.Agent.Tests;

/// <summary>
/// The agent as its own process (the apphost built next to the tests), started through <c>sh -c 'umask MASK; exec ...'</c>
/// so that the socket's mode is shown not to depend on the umask; its stdout and stderr are kept.
/// </summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AgentProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "gadget-agent");

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the agent with <paramref name="args"/> under umask <paramref name="umask"/>.</summary>
    public static AgentProcess Start(IEnumerable<string> args, string umask = "000")
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["-c", $"umask {umask}; exec \"$0\" \"$@\"", Executable, .. args])
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_NOLOGO"] = "1";
        return new AgentProcess(Process.Start(start)!);
    }

    /// <summary>Runs the agent to its exit (for starts that must fail, or --help); returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IEnumerable<string> args, TimeSpan timeout)
    {
        await using var agent = Start(args);
        var exited = await agent.WaitForExitAsync(timeout);
        Assert.True(exited, "the agent did not exit:\n" + agent.Output);
        return (agent._process.ExitCode, agent.Output);
    }

    /// <summary>Waits until root's client gets the container list on <paramref name="socket"/>; false when the agent exited first.</summary>
    public async Task<bool> WaitAnsweringAsync(string socket, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout && !_process.HasExited)
        {
            if (await GadgetCli.RunAsync(["--agent", "unix:" + socket, "containers"], TextWriter.Null, TextWriter.Null) == 0)
            {
                return true;
            }
            await Task.Delay(100);
        }
        return false;
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
            _process.WaitForExit(); // the output readers drain
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>SIGTERM, as kubelet stops it; SIGKILL if it does not exit in 30 s.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Processes.Signal(_process.Id, "TERM");
            if (!await WaitForExitAsync(TimeSpan.FromSeconds(30)))
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
