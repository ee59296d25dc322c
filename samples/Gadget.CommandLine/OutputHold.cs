namespace Gadget.CommandLine;

/// <summary>
/// <see cref="OutputBuffering.Auto"/>'s timer: output that is held gets written at most
/// <see cref="OutputBufferingOption.MaxHold"/> after it was first held. The timer is armed only while output is held, so
/// an idle tool has none running; its write and the tool's own take turns under <see cref="Gate"/>.
/// </summary>
public sealed class OutputHold : IDisposable
{
    private readonly Timer? _timer;
    private bool _armed;

    /// <summary>A hold for <paramref name="mode"/> (no timer unless <see cref="OutputBuffering.Auto"/>) that writes with <paramref name="flush"/>.</summary>
    public OutputHold(OutputBuffering mode, Action flush)
    {
        ArgumentNullException.ThrowIfNull(flush);
        if (mode == OutputBuffering.Auto)
        {
            _timer = new Timer(_ =>
            {
                lock (Gate)
                {
                    _armed = false;
                    flush();
                }
            });
        }
    }

    /// <summary>The lock the writer's buffer is used under (by the tool and by the timer).</summary>
    public Lock Gate { get; } = new();

    /// <summary>Says that output is held now (call it under <see cref="Gate"/>): arms the timer unless it is armed already.</summary>
    public void Held()
    {
        if (_timer is not null && !_armed)
        {
            _armed = true;
            _timer.Change(OutputBufferingOption.MaxHold, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Stops the timer.</summary>
    public void Dispose() => _timer?.Dispose();
}
