using Xunit;

namespace Gadget.Gadgets.Tests;

/// <summary>The query table of trace dns's latency: by namespace and id, each query answered once, bounded.</summary>
public sealed class DnsLatencyTableTests
{
    [Fact]
    public void AResponseGetsItsQuerysTime_Once_InItsOwnNamespace()
    {
        var table = new DnsLatencyTable();
        table.Query(netns: 1, id: 7, timeNs: 1_000_000);
        table.Query(netns: 2, id: 7, timeNs: 5_000_000);
        Assert.Equal(TimeSpan.FromMilliseconds(2), table.Response(1, 7, 3_000_000));
        Assert.Null(table.Response(1, 7, 4_000_000)); // answered already
        Assert.Equal(TimeSpan.FromMilliseconds(1), table.Response(2, 7, 6_000_000));
        Assert.Null(table.Response(3, 7, 6_000_000));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void ARetryWithTheSameIdCountsFromTheRetry()
    {
        var table = new DnsLatencyTable();
        table.Query(1, 9, 1_000);
        table.Query(1, 9, 9_000);
        Assert.Equal(TimeSpan.FromTicks(10), table.Response(1, 9, 10_000));
    }

    [Fact]
    public void TheTableIsBounded_TheOldestUnansweredGoFirst()
    {
        var table = new DnsLatencyTable();
        var queries = DnsLatencyTable.Capacity * 10;
        for (var i = 0; i < queries; i++)
        {
            table.Query(1, i, (ulong)i);
            if (i % 3 == 1 && i != queries - 1)
            {
                Assert.NotNull(table.Response(1, i, (ulong)i + 1));
            }
            Assert.InRange(table.Count, 0, DnsLatencyTable.Capacity);
        }
        Assert.Equal(DnsLatencyTable.Capacity, table.Count);
        Assert.Null(table.Response(1, 0, ulong.MaxValue)); // the first: forgotten
        Assert.NotNull(table.Response(1, queries - 1, ulong.MaxValue)); // the newest: kept
    }
}
