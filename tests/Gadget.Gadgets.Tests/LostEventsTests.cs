namespace Gadget.Gadgets.Tests;

[Collection("gadgets")]
public sealed class LostEventsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A one-page ring holds about a dozen open events. The reader is paused (no MoveNextAsync) while this process fails
    /// 2,000 opens; the kernel drops what does not fit and counts it. The next read hands out what the ring held, then
    /// raises EventsLost with the dropped count, and the stream goes on: a later open arrives.
    /// </summary>
    [Fact]
    public async Task TinyRingWithAPausedReader_ReportsTheLossWhileReadingAndKeepsStreaming()
    {
        const int Opens = 2000;
        var directory = Directory.CreateTempSubdirectory("gadget-lost-");
        try
        {
            await using var snoop = OpenSnoop.Start(new GadgetOptions { RingBufferSize = Environment.SystemPageSize });
            var reports = new List<(object? Sender, EventsLostEventArgs Lost, int EventsBefore)>();
            var received = new List<OpenEvent>();
            snoop.EventsLost += (sender, e) => reports.Add((sender, e, received.Count));
            await using var events = snoop.ReadAsync().GetAsyncEnumerator();

            var flood = Path.Combine(directory.FullName, "flood-missing");
            for (var i = 0; i < Opens; i++)
            {
                Assert.Throws<FileNotFoundException>(() => File.OpenHandle(flood).Dispose());
            }
            // Resume reading: the first wake-up reads the page's records, then reports the rest as lost. (Other processes'
            // opens keep the stream going on a busy machine: the loop is bounded by time, not by a lack of events.)
            var reading = System.Diagnostics.Stopwatch.StartNew();
            while (reports.Count == 0)
            {
                Assert.True(reading.Elapsed < Timeout, $"no loss reported after {received.Count} events ({received.Count(e => e.Path == flood)} of the flood), kernel counter {snoop.LostEvents}");
                Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Timeout), "the stream ended");
                received.Add(events.Current);
            }

            var (sender, lost, before) = reports[0];
            Assert.Same(snoop, sender);
            var floodSeen = received.Count(e => e.Path == flood && e.Pid == Environment.ProcessId);
            // Whatever of the flood did not reach the reader was counted as lost (other processes' opens only add to both).
            Assert.True(lost.Count >= (ulong)(Opens - floodSeen), $"{lost.Count} lost reported, {floodSeen} of {Opens} flood opens read");
            Assert.True(floodSeen < Opens / 10, $"a one-page ring held {floodSeen} events");
            Assert.Equal(lost.Count, lost.Total);
            Assert.True(snoop.LostEvents >= lost.Total);
            // The counter is read in place in the object's .bss (one lookup), not through the by-name global lookup.
            var before2 = GC.GetAllocatedBytesForCurrentThread();
            var again = snoop.LostEvents;
            Assert.Equal(before2, GC.GetAllocatedBytesForCurrentThread());
            Assert.True(again >= lost.Total);
            // The report came after the batch it was noticed with had been handed out.
            Assert.True(before >= 1);

            // The stream goes on after the loss. The marker is opened again every 100 ms until it is read: on a busy machine
            // other processes' opens can fill the one-page ring again and the kernel drops one open (counted, not a stall).
            var marker = Path.Combine(directory.FullName, "after-" + Guid.NewGuid().ToString("N"));
            using var markerSeen = new CancellationTokenSource();
            var opener = Task.Run(async () =>
            {
                while (!markerSeen.IsCancellationRequested)
                {
                    Assert.Throws<FileNotFoundException>(() => File.OpenHandle(marker).Dispose());
                    await Task.Delay(100, markerSeen.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                }
            });
            reading.Restart();
            try
            {
                while (true)
                {
                    Assert.True(reading.Elapsed < Timeout, "the open after the loss never came");
                    Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Timeout), "the stream ended");
                    if (events.Current.Path == marker)
                    {
                        break;
                    }
                }
            }
            finally
            {
                markerSeen.Cancel();
                await opener;
            }
            // Later reports carry only what was lost since the previous one.
            for (var i = 1; i < reports.Count; i++)
            {
                Assert.Equal(reports[i - 1].Lost.Total + reports[i].Lost.Count, reports[i].Lost.Total);
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(3 * 4096)]
    [InlineData(-4096)]
    public void RingBufferSizeThatIsNotAPowerOfTwoPages_IsRejectedBeforeLoading(int size)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => OpenSnoop.Start(new GadgetOptions { RingBufferSize = size }));
        Assert.Contains("power of two", e.Message, StringComparison.Ordinal);
    }
}
