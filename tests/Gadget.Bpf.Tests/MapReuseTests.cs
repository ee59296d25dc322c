namespace Gadget.Bpf.Tests;

public class MapReuseTests
{
    [Fact]
    public void AnObjectMapCanUseAMapCreatedFromCSharp()
    {
        using var obj = TestObjects.Open(TestObjects.SyscallEvents);
        var declared = obj.Map("syscall_counts");
        using var shared = BpfMap.Create(BpfMapType.Hash, declared.KeySize, declared.ValueSize, 128, "shared_counts");
        declared.ReuseMap(shared);
        obj.SetGlobal("target_tgid", (uint)Environment.ProcessId);
        obj.Load();
        using (obj.Program("on_sys_enter").AttachTracepoint("raw_syscalls", "sys_enter"))
        {
            NativeCalls.GetParentPid();
        }
        var key = new byte[shared.KeySize];
        Assert.True(shared.TryGetNextKey(ReadOnlySpan<byte>.Empty, key), "the program wrote nothing into the shared map");
        Assert.Equal((uint)Environment.ProcessId, BitConverter.ToUInt32(key));
        obj.Dispose();
        // The shared map outlives the object that used it.
        Assert.True(shared.TryGetNextKey(ReadOnlySpan<byte>.Empty, key));
    }

    [Fact]
    public void ReuseChecksShapeAndTime()
    {
        using var obj = TestObjects.Open(TestObjects.SyscallEvents);
        using var wrongValue = BpfMap.Create(BpfMapType.Hash, obj.Map("syscall_counts").KeySize, 4, 8);
        Assert.Throws<ArgumentException>(() => obj.Map("syscall_counts").ReuseMap(wrongValue));
        using var wrongType = BpfMap.Create(BpfMapType.Array, 4, 8, 8);
        Assert.Throws<ArgumentException>(() => obj.Map("syscall_counts").ReuseMap(wrongType));
        obj.Load();
        using var right = BpfMap.Create(BpfMapType.Hash, obj.Map("syscall_counts").KeySize, 8, 8);
        Assert.Throws<InvalidOperationException>(() => obj.Map("syscall_counts").ReuseMap(right));
    }
}
