using Gadget.Bpf;

namespace Gadget.Containers;

/// <summary>
/// Reads one BPF ring buffer map on a dedicated thread with Gadget.Bpf's <see cref="RingBufferReader"/> and hands each
/// record to a callback. Disposing stops the thread, then drains what arrived after the last poll.
/// </summary>
internal sealed class KernelEventPump : IDisposable
{
    private readonly RingBufferReader _reader;
    private readonly RingBufferRecordHandler _handler;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _reading = new(initialState: true);
    private volatile bool _stopping;

    internal KernelEventPump(BpfMap map, Action<ReadOnlySpan<byte>> onRecord, string threadName)
    {
        _reader = new RingBufferReader(map);
        _handler = record => onRecord(record);
        _thread = new Thread(Run) { IsBackground = true, Name = threadName };
        _thread.Start();
    }

    /// <summary>Stops reading (within one poll) until <see cref="Resume"/>: tests see what the kernel does with a reader that falls behind.</summary>
    internal void Pause() => _reading.Reset();

    /// <summary>Reads again after <see cref="Pause"/>.</summary>
    internal void Resume() => _reading.Set();

    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }
        _stopping = true;
        _reading.Set();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
            _reader.Consume(_handler); // what arrived after the last poll
        }
        // else: called from a record's callback, inside the pump's Poll, which goes on to the end of what is there (a Consume
        // nested in it would deliver records twice: the reader refuses it).
        _reader.Dispose();
        _reading.Dispose();
    }

    private void Run()
    {
        while (!_stopping)
        {
            _reading.Wait();
            _reader.Poll(_handler, 50);
        }
    }
}
