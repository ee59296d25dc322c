using System.Runtime.CompilerServices;
using Gadget.Bpf;

namespace Gadget.Gadgets;

/// <summary>Reads <c>struct tcp_event</c> records from a gadget's <c>events</c> ring buffer and turns them into events.</summary>
internal sealed class TcpEventStream<TEvent> : IAsyncDisposable
{
    private readonly TcpGadgetObject _gadget;
    private readonly RingBufferReader _reader;
    private readonly Func<TcpEventRecord, TEvent> _convert;
    private int _disposed;

    public TcpEventStream(TcpGadgetObject gadget, Func<TcpEventRecord, TEvent> convert)
    {
        _gadget = gadget;
        _convert = convert;
        _reader = new RingBufferReader(gadget.Object.Map("events"));
    }

    public ulong LostEvents => _gadget.Object.GetGlobal<ulong>("lost_events");

    public async IAsyncEnumerable<TEvent> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var batch = new List<TEvent>();
        while (await _reader.WaitAsync(cancellationToken).ConfigureAwait(false))
        {
            Drain(batch);
            foreach (var item in batch)
            {
                yield return item;
            }
            batch.Clear();
        }
    }

    private void Drain(List<TEvent> batch)
    {
        foreach (var record in _reader.ReadAvailable())
        {
            batch.Add(_convert(TcpEventRecord.From(record)));
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _reader.Dispose();
            _gadget.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
