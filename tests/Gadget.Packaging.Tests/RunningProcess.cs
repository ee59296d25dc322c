using System.Diagnostics;
using System.Text;

namespace Gadget.Packaging.Tests;

/// <summary>
/// A child process whose stdout and stderr are collected (interleaved, line by line) while it runs, so a test can wait for
/// it to say something, act, then wait for it to end. Every wait has a timeout; disposing kills what is still running.
/// </summary>
internal sealed class RunningProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _description;

    private RunningProcess(Process process, string description)
    {
        _process = process;
        _description = description;
    }

    /// <summary>Everything it printed so far.</summary>
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

    /// <summary>Starts <paramref name="file"/> (see <see cref="DotnetCli.StartInfo"/>).</summary>
    public static RunningProcess Start(string file, string workingDirectory, IEnumerable<string> arguments)
    {
        var start = DotnetCli.StartInfo(file, workingDirectory, arguments);
        var process = new Process { StartInfo = start };
        var running = new RunningProcess(process, $"{file} {string.Join(' ', start.ArgumentList)}");
        process.OutputDataReceived += (_, e) => running.Append(e.Data);
        process.ErrorDataReceived += (_, e) => running.Append(e.Data);
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; throws if the process ends or <paramref name="timeout"/> passes first.</summary>
    public void WaitForOutput(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                _process.WaitForExit(); // the last lines
                if (Output.Contains(text, StringComparison.Ordinal))
                {
                    return;
                }
                throw new InvalidOperationException($"{_description} exited ({_process.ExitCode}) without printing '{text}':\n{Output}");
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{_description} did not print '{text}' in {timeout}:\n{Output}");
            }
            Thread.Sleep(50);
        }
    }

    /// <summary>Waits for the process to end and returns its exit code; kills it (and its children) and throws after <paramref name="timeout"/>.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            throw new TimeoutException($"{_description} did not finish in {timeout}:\n{Output}");
        }
        _process.WaitForExit(); // the redirected output is complete only after this
        return _process.ExitCode;
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // never started, or already gone
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
