using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>
/// Enumerates the records available in a <see cref="RingBufferReader"/>'s rings, ring after ring. Each record's space is
/// handed back to the kernel when the enumerator moves past it or is disposed. Dispose it (as <c>foreach</c> does):
/// it holds the reader's memory mapped until then.
/// </summary>
public unsafe ref struct RingBufferRecordEnumerator
{
    private readonly ReaderPoller? _poller;
    private readonly RingBufferMapping[] _rings;
    private int _ringIndex;
    private ulong* _consumerPosition;
    private byte* _data;
    private ulong _mask;
    private ulong _consumer;
    private ulong _producer;
    private bool _ringStarted;
    private bool _holdsRecord;
    private ReadOnlySpan<byte> _current;

    /// <summary>Enumerates <paramref name="rings"/>; the caller took a reference on <paramref name="poller"/>, released by <see cref="Dispose"/>.</summary>
    internal RingBufferRecordEnumerator(ReaderPoller poller, RingBufferMapping[] rings)
    {
        _poller = poller;
        _rings = rings;
    }

    /// <summary>The current record, read in place from the ring; valid until the next <see cref="MoveNext"/> or <see cref="Dispose"/>.</summary>
    public readonly ReadOnlySpan<byte> Current => _current;

    /// <summary>The index of the ring the current record came from (as returned by <see cref="RingBufferReader.Add"/>).</summary>
    public readonly int Ring => _ringIndex;

    /// <summary>Releases the previous record and moves to the next available one.</summary>
    /// <returns><c>false</c> when no record is available anymore.</returns>
    public bool MoveNext()
    {
        if (_poller is null)
        {
            return false;
        }
        Publish();
        while (_ringIndex < _rings.Length)
        {
            if (!_ringStarted)
            {
                var ring = _rings[_ringIndex].Memory;
                _consumerPosition = ring.ConsumerPosition;
                _data = ring.Data;
                _mask = ring.Mask;
                _consumer = *_consumerPosition;
                _producer = Volatile.Read(ref *ring.ProducerPosition);
                _ringStarted = true;
            }
            while (_consumer < _producer)
            {
                var header = (uint*)(_data + (_consumer & _mask));
                var length = Volatile.Read(ref *header);
                if (RingBufferParser.IsBusy(length))
                {
                    break;
                }
                _consumer = RingBufferParser.NextPosition(_consumer, length);
                if (RingBufferParser.IsDiscarded(length))
                {
                    Volatile.Write(ref *_consumerPosition, _consumer);
                    continue;
                }
                _current = RingBufferParser.RecordData(header, length);
                _holdsRecord = true;
                return true;
            }
            _ringIndex++;
            _ringStarted = false;
        }
        _current = default;
        return false;
    }

    /// <summary>Hands the last record back to the kernel and lets the reader release its memory when disposed.</summary>
    public void Dispose()
    {
        if (_poller is null)
        {
            return;
        }
        Publish();
        _current = default;
        _ringIndex = _rings.Length;
        _poller.Exit();
        this = default;
    }

    private void Publish()
    {
        if (_holdsRecord)
        {
            Volatile.Write(ref *_consumerPosition, _consumer);
            _holdsRecord = false;
        }
    }
}
