using System.Threading.Channels;
using Gadget.Containers;

namespace Gadget.Agent;

/// <summary>
/// One client of a shared gadget: its selector (matched in user space), a bounded queue of serialized events, and what it
/// lost: events the kernel dropped (the gadget's ring was full) and events dropped because this client's queue was full
/// (it read too slowly). The feed never waits for a client.
/// </summary>
internal sealed class StreamSubscriber
{
    private readonly Channel<byte[]?> _queue;
    private long _droppedHere;
    private long _lostInKernel;

    public StreamSubscriber(ContainerSelector? selector, int capacity)
    {
        Selector = selector;
        Capacity = capacity;
        _queue = Channel.CreateBounded<byte[]?>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>Which containers' events this client wants; null: every event of the node.</summary>
    public ContainerSelector? Selector { get; }

    /// <summary>The queue's capacity in events.</summary>
    public int Capacity { get; }

    /// <summary>What the client reads.</summary>
    public ChannelReader<byte[]?> Reader => _queue.Reader;

    /// <summary>Whether an event of these containers is for this client.</summary>
    public bool Wants(Container? first, Container? second) =>
        Selector is null || (first is not null && Selector.Matches(first)) || (second is not null && Selector.Matches(second));

    /// <summary>Queues an event line; counts it as dropped when the queue is full.</summary>
    public void Offer(byte[] line)
    {
        if (!_queue.Writer.TryWrite(line))
        {
            Interlocked.Increment(ref _droppedHere);
        }
    }

    /// <summary>Counts events the kernel dropped and wakes the reader to say so.</summary>
    public void OfferKernelLoss(ulong count)
    {
        Interlocked.Add(ref _lostInKernel, (long)count);
        _queue.Writer.TryWrite(null);
    }

    /// <summary>Takes the counts of lost events not reported yet.</summary>
    public (long Kernel, long Client) TakeLost() => (Interlocked.Exchange(ref _lostInKernel, 0), Interlocked.Exchange(ref _droppedHere, 0));

    /// <summary>Ends the client's stream (the gadget stopped or failed).</summary>
    public void Complete(Exception? error = null) => _queue.Writer.TryComplete(error);
}
