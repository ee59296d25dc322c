namespace Gadget.Traceloop.Tests;

public class PlaceholderTests
{
    [Fact]
    public void RecordsThatNeverReturnedSaySo()
    {
        var record = new SyscallRecord { TimestampNs = 1, Cpu = 0, ProcessId = 1, ThreadId = 1, Command = "x", Number = 0, Arguments = new ulong[6] };
        Assert.False(record.Returned);
    }
}
