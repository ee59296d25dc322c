using System.Runtime.CompilerServices;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>
/// Enumerates the records available in a <see cref="RingBufferReader"/>'s rings, ring after ring. Each record's space is
/// handed back to the kernel when the enumerator moves past it or is disposed. Dispose it (as <c>foreach</c> does):
/// it holds the reader's memory mapped until then.
/// </summary>
/// <remarks>
/// <see cref="MoveNext"/> is small enough to be inlined into the <c>foreach</c>: the common case (the next record of the
/// current ring is there and submitted) is a compare, a load of its length word and a store of the consumer position; a
/// discarded or busy record, the end of a ring and the first call go through a separate method. No interface call, no
/// allocation.
/// </remarks>
public unsafe ref struct RingBufferRecordEnumerator
{
    private readonly ReaderPoller? _poller;
    private readonly RingBufferMapping[] _rings;
    private ulong* _consumerPosition;
    private byte* _data;
    private ulong _mask;

    /// <summary>The position after the current record (or of the next one to read): what is published as consumed.</summary>
    private ulong _consumer;

    /// <summary>The producer position of the current ring, read once when the enumeration reached it.</summary>
    private ulong _producer;
    private int _ringIndex;
    private ReadOnlySpan<byte> _current;

    /// <summary>Enumerates <paramref name="rings"/>; the caller took a reference on <paramref name="poller"/>, released by <see cref="Dispose"/>.</summary>
    internal RingBufferRecordEnumerator(ReaderPoller poller, RingBufferMapping[] rings)
    {
        _poller = poller;
        _rings = rings;
        _ringIndex = -1; // no ring started: the first MoveNext starts ring 0
    }

    /// <summary>The current record, read in place from the ring; valid until the next <see cref="MoveNext"/> or <see cref="Dispose"/>.</summary>
    public readonly ReadOnlySpan<byte> Current => _current;

    /// <summary>The index of the ring the current record came from (as returned by <see cref="RingBufferReader.Add"/>).</summary>
    public readonly int Ring => _ringIndex;

    /// <summary>Releases the previous record and moves to the next available one.</summary>
    /// <returns><c>false</c> when no record is available anymore.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool MoveNext()
    {
        var consumer = _consumer;
        if (consumer < _producer)
        {
            // Hand the previous record back (release: the kernel may reuse its space now), then read the next one's header.
            Volatile.Write(ref *_consumerPosition, consumer);
            var header = (uint*)(_data + (consumer & _mask));
            var length = Volatile.Read(ref *header);
            if ((length & (RingBufferParser.BusyBit | RingBufferParser.DiscardBit)) == 0)
            {
                _current = new ReadOnlySpan<byte>(header + 2, (int)length);
                _consumer = consumer + ((length + RingBufferParser.HeaderSize + 7) & ~7ul);
                return true;
            }
        }
        return MoveNextSlow();
    }

    /// <summary>Hands the last record back to the kernel and lets the reader release its memory when disposed.</summary>
    public void Dispose()
    {
        if (_poller is null)
        {
            return;
        }
        Publish();
        _poller.ExitConsumer();
        this = default;
    }

    /// <summary>Everything but a submitted record in the current ring: skips discarded records, stops at a busy one, starts the next ring.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool MoveNextSlow()
    {
        if (_poller is null)
        {
            return false;
        }
        Publish();
        while (true)
        {
            while (_consumer < _producer)
            {
                var header = (uint*)(_data + (_consumer & _mask));
                var length = Volatile.Read(ref *header);
                if (RingBufferParser.IsBusy(length))
                {
                    break; // reserved, not submitted yet: later records of this ring must wait for it
                }
                var next = RingBufferParser.NextPosition(_consumer, length);
                if (RingBufferParser.IsDiscarded(length))
                {
                    _consumer = next;
                    Volatile.Write(ref *_consumerPosition, next);
                    continue;
                }
                _current = RingBufferParser.RecordData(header, length);
                _consumer = next;
                return true;
            }
            if (_ringIndex + 1 >= _rings.Length)
            {
                _producer = _consumer; // the fast path stays off: every later MoveNext ends here
                _current = default;
                return false;
            }
            _ringIndex++;
            var ring = _rings[_ringIndex].Memory;
            _consumerPosition = ring.ConsumerPosition;
            _data = ring.Data;
            _mask = ring.Mask;
            _consumer = *_consumerPosition; // only this reader writes it
            _producer = Volatile.Read(ref *ring.ProducerPosition);
        }
    }

    /// <summary>Hands back the current record (publishing a position already published changes nothing).</summary>
    private readonly void Publish()
    {
        if (_consumerPosition is not null)
        {
            Volatile.Write(ref *_consumerPosition, _consumer);
        }
    }
}
