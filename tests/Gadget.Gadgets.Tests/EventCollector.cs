using System.Diagnostics;

namespace Gadget.Gadgets.Tests;

/// <summary>Reads a gadget's events in the background, so a test can act and then look at what arrived.</summary>
internal sealed class EventCollector<T> : IAsyncDisposable
{
    private readonly List<T> _events = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;

    public EventCollector(IAsyncEnumerable<T> events)
    {
        _reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in events.WithCancellation(_stop.Token))
                {
                    lock (_events)
                    {
                        _events.Add(item);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    /// <summary>A copy of the events received so far.</summary>
    public List<T> Snapshot()
    {
        lock (_events)
        {
            return [.. _events];
        }
    }

    /// <summary>Waits until <paramref name="predicate"/> holds for some event; returns the first such, or null after the timeout.</summary>
    public async Task<T?> WaitForAsync(Func<T, bool> predicate, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var found = Snapshot().FirstOrDefault(predicate);
            if (found is not null || watch.Elapsed > timeout)
            {
                return found;
            }
            if (_reader.IsCompleted)
            {
                await _reader;
                return default;
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Waits until <paramref name="count"/> events satisfy <paramref name="predicate"/> or the timeout passes; returns them.</summary>
    public async Task<List<T>> WaitForCountAsync(Func<T, bool> predicate, int count, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var found = Snapshot().Where(predicate).ToList();
            if (found.Count >= count || watch.Elapsed > timeout || _reader.IsCompleted)
            {
                return found;
            }
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _reader;
        _stop.Dispose();
    }
}
