namespace Gadget.Gadgets.Tests;

/// <summary>
/// What the Consume tests share: a gadget read in place until its handler has seen what it waits for (the bytes that
/// reading allocated on this thread counted), and a handler that keeps the <c>ToEvent()</c> of the records a test is
/// about, to compare with what a second gadget's ReadAsync gives for the same real events.
/// </summary>
internal static class ViewReading
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Consumes <paramref name="gadget"/> into <paramref name="handler"/> until <paramref name="done"/>; returns the bytes Consume allocated on this thread.</summary>
    public static async Task<long> ConsumeUntilAsync<TEvent, TView, THandler>(RingBufferViewGadget<TEvent, TView> gadget, THandler handler, Func<bool> done)
        where TEvent : class
        where TView : allows ref struct
        where THandler : class, IEventViewHandler<TView>
    {
        long allocated = 0;
        using var timeout = new CancellationTokenSource(Timeout);
        while (!done() && await gadget.WaitAsync(timeout.Token))
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            gadget.Consume(ref handler);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }
        return allocated;
    }

    /// <summary>The events of the records <paramref name="ours"/> keeps, made with <paramref name="toEvent"/> (the view's ToEvent).</summary>
    public sealed class Collector<TEvent, TView>(Func<TView, bool> ours, Func<TView, TEvent> toEvent) : IEventViewHandler<TView>
        where TView : allows ref struct
    {
        public List<TEvent> Events { get; } = [];

        public void OnEvent(in TView view)
        {
            if (ours(view))
            {
                Events.Add(toEvent(view));
            }
        }
    }
}
