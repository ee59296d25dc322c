using System.Diagnostics;
using System.Text;

namespace Gadget.Cli.Tests;

/// <summary>A tool running in the background: its stdout lines as they come, its ready line, a graceful stop (SIGINT).</summary>
internal sealed class RunningTool : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly StringBuilder _error = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal RunningTool(Tool tool, params string[] arguments)
        : this(tool, null, arguments)
    {
    }

    /// <summary>Starts the tool as uid 65534 with exactly <paramref name="capabilities"/> (ambient), or as this process when null.</summary>
    internal RunningTool(Tool tool, IReadOnlyList<string>? capabilities, params string[] arguments)
    {
        CommandLine = $"{tool.Name} {string.Join(' ', arguments)}" + (capabilities is null ? string.Empty : $" (uid 65534, capabilities {string.Join(',', capabilities)})");
        _process = tool.Start(arguments, capabilities: capabilities);
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (_lines)
                {
                    _lines.Add(line);
                }
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_error)
            {
                _error.AppendLine(e.Data);
            }
            if (e.Data?.Contains(": ready: ", StringComparison.Ordinal) == true)
            {
                _ready.TrySetResult();
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    internal string CommandLine { get; }

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

    internal string[] Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Waits for the "ready" line on standard error.</summary>
    internal async Task WaitReadyAsync()
    {
        var finished = await Task.WhenAny(_ready.Task, _process.WaitForExitAsync(), Task.Delay(Tool.HangGuard));
        Assert.True(finished == _ready.Task, $"{CommandLine} never said it was ready:\n{Error}");
    }

    /// <summary>Runs <paramref name="trigger"/> until a stdout line satisfies <paramref name="seen"/>; returns that line.</summary>
    internal async Task<string> TriggerUntilAsync(Action trigger, Func<string, bool> seen)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Tool.HangGuard && !_process.HasExited)
        {
            trigger();
            for (var i = 0; i < 10; i++)
            {
                if (Lines.FirstOrDefault(seen) is { } line)
                {
                    return line;
                }
                await Task.Delay(100);
            }
        }
        Assert.Fail($"{CommandLine}: the triggered event never showed up; stdout:\n{string.Join('\n', Lines)}\nstderr:\n{Error}");
        return "";
    }

    /// <summary>Waits (without triggering anything) until a stdout line satisfies <paramref name="seen"/>; returns that line.</summary>
    internal async Task<string> WaitForLineAsync(Func<string, bool> seen)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Tool.HangGuard && !_process.HasExited)
        {
            if (Lines.FirstOrDefault(seen) is { } line)
            {
                return line;
            }
            await Task.Delay(50);
        }
        Assert.Fail($"{CommandLine}: the line never showed up; stdout:\n{string.Join('\n', Lines)}\nstderr:\n{Error}");
        return "";
    }

    /// <summary>Waits until a child process of the tool runs the program named <paramref name="comm"/>.</summary>
    internal async Task WaitForChildAsync(string comm)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Tool.HangGuard && !_process.HasExited)
        {
            foreach (var stat in Directory.EnumerateDirectories("/proc").Where(d => char.IsAsciiDigit(Path.GetFileName(d)[0])).Select(d => Path.Combine(d, "stat")))
            {
                try
                {
                    // "PID (COMM) STATE PPID ...": the comm may hold spaces and parentheses, the last ')' ends it.
                    var text = File.ReadAllText(stat);
                    var close = text.LastIndexOf(')');
                    var open = text.IndexOf('(', StringComparison.Ordinal);
                    var fields = text[(close + 2)..].Split(' ');
                    if (text[(open + 1)..close] == comm && fields[1] == _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    {
                        return;
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // gone meanwhile
                }
            }
            await Task.Delay(50);
        }
        Assert.Fail($"{CommandLine}: no child process ran {comm}; stderr:\n{Error}");
    }

    /// <summary>Ctrl-C: the tool ends by itself; returns its exit code.</summary>
    internal Task<int> InterruptAsync() => SignalAsync("INT");

    /// <summary>Sends the tool (alone, not its children) signal <paramref name="name"/> ("TERM", "HUP"...); returns its exit code.</summary>
    internal async Task<int> SignalAsync(string name)
    {
        InterruptedAt = DateTime.UtcNow;
        using (var kill = Process.Start("kill", ["-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        var stopping = Stopwatch.StartNew();
        await _process.WaitForExitAsync().WaitAsync(Tool.HangGuard);
        _process.WaitForExit();
        StopTime = stopping.Elapsed;
        return _process.ExitCode;
    }

    /// <summary>When <see cref="InterruptAsync"/> started the <c>kill -INT</c> (UTC).</summary>
    internal DateTime InterruptedAt { get; private set; }

    /// <summary>How long the tool took to end after <see cref="InterruptAsync"/> sent SIGINT.</summary>
    internal TimeSpan StopTime { get; private set; }

    /// <summary>
    /// Ctrl-C, and the tool must end with exit code 0 (130 means it did not finish within System.CommandLine's
    /// termination timeout): the message says how long it took and what it wrote on standard error.
    /// </summary>
    internal async Task InterruptExpectingSuccessAsync()
    {
        var code = await InterruptAsync();
        Assert.True(code == 0, $"{CommandLine}: exit code {code} after SIGINT (sent at {InterruptedAt:HH:mm:ss.fff} UTC), {StopTime.TotalMilliseconds:F0} ms to end; stderr:\n{Error}");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
