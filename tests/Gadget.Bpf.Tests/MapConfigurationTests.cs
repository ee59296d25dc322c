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

        using var spec = SurfaceObject.Open();
        using var obj = spec.Load();
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
        using var spec = SurfaceObject.Open();
        var map = spec.Map("adjustable");
        map.KeySize = 8;
        map.ValueSize = 24;
        map.Type = BpfMapType.Hash;
        map.Flags = 1; // BPF_F_NO_PREALLOC
        map.MaxEntries = 32;
        Assert.Equal((BpfMapType.Hash, 8, 24, 32, 1u), (map.Type, map.KeySize, map.ValueSize, map.MaxEntries, map.Flags));
        using var obj = spec.Load();
        var loaded = obj.Map("adjustable");
        Assert.Equal((BpfMapType.Hash, 8, 24, 32, 1u), (loaded.Type, loaded.KeySize, loaded.ValueSize, loaded.MaxEntries, loaded.Flags & 1));
        using var kernel = BpfMap.OpenById(loaded.Id); // the kernel's own view of the map
        Assert.Equal((BpfMapType.Hash, 8, 24, 32, 1u), (kernel.Type, kernel.KeySize, kernel.ValueSize, kernel.MaxEntries, kernel.Flags & 1));
        kernel.Update(new byte[8], new byte[24]);
        // The spec is spent once loaded: the loaded map has no setters, and the spec's say so.
        var late = Assert.Throws<InvalidOperationException>(() => map.ValueSize = 8);
        Assert.Contains("before Load", late.Message);
        Assert.Throws<InvalidOperationException>(() => map.Type = BpfMapType.LruHash);
        Assert.Throws<InvalidOperationException>(() => _ = map.KeySize);
    }

    [Fact]
    public void ChangingTheTypeMakesTheKernelCreateThatType()
    {
        using var spec = SurfaceObject.Open();
        spec.Map("adjustable").Type = BpfMapType.LruHash;
        using var obj = spec.Load();
        using var kernel = BpfMap.OpenById(obj.Map("adjustable").Id);
        Assert.Equal(BpfMapType.LruHash, kernel.Type);
    }

    [Fact]
    public void AMapWithAutoCreateOffIsNotCreated()
    {
        using var spec = SurfaceObject.Open();
        var optional = spec.Map("optional_map");
        Assert.True(optional.AutoCreate);
        optional.AutoCreate = false;
        Assert.False(optional.AutoCreate);
        using var obj = spec.Load();
        var missing = Assert.Throws<KeyNotFoundException>(() => obj.Map("optional_map"));
        Assert.Contains("AutoCreate", missing.Message);
        Assert.DoesNotContain(obj.Maps, m => m.Name == "optional_map");
        Assert.True(obj.Map("adjustable").FileDescriptor >= 0);
        Assert.Throws<InvalidOperationException>(() => optional.AutoCreate = true);
    }

    [Fact]
    public void AStackMapDeclaredWithoutAValueSizeReusesACorrectlySizedMap()
    {
        using var shared = BpfMap.Create(BpfMapType.StackTrace, 4, SurfaceObject.StackFrames * sizeof(ulong), 64, "shared_stacks");
        using var spec = SurfaceObject.Open(configure: true);
        spec.Map("stacks").ReuseMap(shared);
        using var obj = spec.Load();
        Assert.Equal(shared.Id, obj.Map("stacks").Id);

        using var other = SurfaceObject.Open(configure: false);
        using var wrong = BpfMap.Create(BpfMapType.Hash, 4, 8, 4);
        Assert.Throws<ArgumentException>(() => other.Map("stacks").ReuseMap(wrong));
    }
}
