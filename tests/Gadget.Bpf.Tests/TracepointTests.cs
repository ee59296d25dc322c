namespace Gadget.Bpf.Tests;

public class TracepointTests
{
    [Fact]
    public void RawSyscallsSysEnterCountsThisProcess()
    {
        using var spec = TestObjects.Open(TestObjects.SyscallEvents);
        spec.SetGlobal("target_tgid", (uint)Environment.ProcessId);
        using var obj = spec.Load();
        using var link = obj.Program("on_sys_enter").AttachTracepoint("raw_syscalls", "sys_enter");
        for (var i = 0; i < 10; i++)
        {
            _ = File.Exists("/proc/self/status");
        }
        var counts = obj.Map("syscall_counts");
        var key = new byte[counts.KeySize];
        var next = new byte[counts.KeySize];
        var value = new byte[8];
        ulong total = 0;
        var tgids = new HashSet<uint>();
        var hasKey = counts.TryGetNextKey(ReadOnlySpan<byte>.Empty, next);
        while (hasKey)
        {
            next.CopyTo(key, 0);
            tgids.Add(BitConverter.ToUInt32(key, 0));
            if (counts.TryLookup(key, value))
            {
                total += BitConverter.ToUInt64(value);
            }
            hasKey = counts.TryGetNextKey(key, next);
        }
        Assert.Equal([(uint)Environment.ProcessId], tgids);
        Assert.True(total >= 10, $"expected at least 10 syscalls counted, got {total}");
    }
}
