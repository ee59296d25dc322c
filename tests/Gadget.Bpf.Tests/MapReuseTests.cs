namespace Gadget.Bpf.Tests;

public class MapReuseTests
{
    [Fact]
    public void AnObjectMapCanUseAMapCreatedFromCSharp()
    {
        using var spec = TestObjects.Open(TestObjects.SyscallEvents);
        var declared = spec.Map("syscall_counts");
        using var shared = BpfMap.Create(BpfMapType.Hash, declared.KeySize, declared.ValueSize, 128, "shared_counts");
        declared.ReuseMap(shared);
        spec.SetGlobal("target_tgid", (uint)Environment.ProcessId);
        using var obj = spec.Load();
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
        using var spec = TestObjects.Open(TestObjects.SyscallEvents);
        using var wrongValue = BpfMap.Create(BpfMapType.Hash, spec.Map("syscall_counts").KeySize, 4, 8);
        Assert.Throws<ArgumentException>(() => spec.Map("syscall_counts").ReuseMap(wrongValue));
        using var wrongType = BpfMap.Create(BpfMapType.Array, 4, 8, 8);
        Assert.Throws<ArgumentException>(() => spec.Map("syscall_counts").ReuseMap(wrongType));
        using var obj = spec.Load();
        using var right = BpfMap.Create(BpfMapType.Hash, obj.Map("syscall_counts").KeySize, 8, 8);
        Assert.Throws<InvalidOperationException>(() => spec.Map("syscall_counts").ReuseMap(right));
    }
}
