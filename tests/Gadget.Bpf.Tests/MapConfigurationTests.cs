using System.Runtime.InteropServices;

namespace Gadget.Bpf.Tests;

public class MapConfigurationTests
{
    [Fact]
    public void AStackMapDeclaredWithoutAValueSizeLoadsOnceSizedAndRecordsTheCallersStack()
    {
        using (var unsized = SurfaceObject.Open(configure: false))
        {
            foreach (var program in unsized.Programs.Where(p => p.Name is "custom_section" or "custom_iter" or "on_exec"))
            {
                program.AutoLoad = false;
            }
            Assert.Equal(0, unsized.Map("stacks").ValueSize);
            var error = Assert.ThrowsAny<BpfException>(unsized.Load);
            Assert.Contains("stacks", error.Message + (error as BpfLoadException)?.LibbpfLog);
        }

        using var obj = SurfaceObject.Open();
        obj.Load();
        var stacks = obj.Map("stacks");
        Assert.Equal(SurfaceObject.StackFrames * sizeof(ulong), stacks.ValueSize);
        using var link = obj.Program("record_stack").Attach();
        _ = Environment.ProcessId; // cached: make a real syscall instead
        File.Exists("/proc/self/status");
        var id = obj.GetGlobal<long>("last_stack_id");
        Assert.True(id >= 0, "the program recorded no stack id");
        var frames = new ulong[SurfaceObject.StackFrames];
        Assert.True(stacks.TryLookup(BitConverter.GetBytes((uint)id), MemoryMarshal.AsBytes(frames.AsSpan())));
        Assert.NotEqual(0UL, frames[0]); // the user-space instruction pointer of the syscall
    }

    [Fact]
    public void KeySizeValueSizeTypeAndFlagsSetBeforeLoadAreWhatTheKernelCreates()
    {
        using var obj = SurfaceObject.Open();
        var map = obj.Map("adjustable");
        map.SetKeySize(8);
        map.SetValueSize(24);
        map.SetType(BpfMapType.Hash);
        map.SetFlags(1); // BPF_F_NO_PREALLOC
        map.SetMaxEntries(32);
        obj.Load();
        using var kernel = BpfMap.OpenById(map.Id); // the kernel's own view of the map
        Assert.Equal((BpfMapType.Hash, 8, 24, 32, 1u), (kernel.Type, kernel.KeySize, kernel.ValueSize, kernel.MaxEntries, kernel.Flags & 1));
        kernel.Update(new byte[8], new byte[24]);
        Assert.Throws<InvalidOperationException>(() => map.SetValueSize(8));
        Assert.Throws<InvalidOperationException>(() => map.SetType(BpfMapType.LruHash));
    }

    [Fact]
    public void ChangingTheTypeMakesTheKernelCreateThatType()
    {
        using var obj = SurfaceObject.Open();
        obj.Map("adjustable").SetType(BpfMapType.LruHash);
        obj.Load();
        using var kernel = BpfMap.OpenById(obj.Map("adjustable").Id);
        Assert.Equal(BpfMapType.LruHash, kernel.Type);
    }

    [Fact]
    public void AMapWithAutoCreateOffIsNotCreated()
    {
        using var obj = SurfaceObject.Open();
        var optional = obj.Map("optional_map");
        Assert.True(optional.AutoCreate);
        optional.AutoCreate = false;
        Assert.False(optional.AutoCreate);
        obj.Load();
        Assert.Throws<InvalidOperationException>(() => optional.FileDescriptor);
        Assert.True(obj.Map("adjustable").FileDescriptor >= 0);
        Assert.Throws<InvalidOperationException>(() => optional.AutoCreate = true);
    }

    [Fact]
    public void AStackMapDeclaredWithoutAValueSizeReusesACorrectlySizedMap()
    {
        using var shared = BpfMap.Create(BpfMapType.StackTrace, 4, SurfaceObject.StackFrames * sizeof(ulong), 64, "shared_stacks");
        using var obj = SurfaceObject.Open(configure: true);
        obj.Map("stacks").ReuseMap(shared);
        obj.Load();
        Assert.Equal(shared.Id, obj.Map("stacks").Id);

        using var other = SurfaceObject.Open(configure: false);
        using var wrong = BpfMap.Create(BpfMapType.Hash, 4, 8, 4);
        Assert.Throws<ArgumentException>(() => other.Map("stacks").ReuseMap(wrong));
    }
}
