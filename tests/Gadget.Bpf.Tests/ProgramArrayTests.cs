namespace Gadget.Bpf.Tests;

/// <summary>Program arrays: tail calls into programs put in slots from C#.</summary>
public class ProgramArrayTests
{
    private const uint TargetA = 0xa;
    private const uint TargetB = 0xb;

    [SkippableFact]
    public void TailCallsGoToTheProgramsSetFromCSharp()
    {
        using var obj = MapsObject.Load();
        var table = obj.Map("jump_table").AsProgramArray();
        var marks = obj.Map("tail_marks").As<uint, ulong>();
        Assert.Equal(4, table.Length);

        // Empty slots: the tail call falls through.
        Assert.Equal(MapsObject.Missing, MapsObject.Run(obj, "tail_dispatch", 0, 1));
        Assert.False(table.TryGetProgramId(0, out _));

        table.SetProgram(0, obj.Program("tail_target_a"));
        table.SetProgram(3, obj.Program("tail_target_b"));
        var markerA = (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        var markerB = markerA + 1;

        Assert.Equal(TargetA, MapsObject.Run(obj, "tail_dispatch", 0, markerA));
        Assert.Equal(TargetB, MapsObject.Run(obj, "tail_dispatch", 3, markerB));
        Assert.Equal(MapsObject.Missing, MapsObject.Run(obj, "tail_dispatch", 1, markerA));
        Assert.Equal(markerA, marks[0]);
        Assert.Equal(markerB, marks[1]);

        Assert.True(table.TryGetProgramId(0, out var idA));
        Assert.True(table.TryGetProgramId(3, out var idB));
        Assert.NotEqual(0u, idA);
        Assert.NotEqual(idA, idB);

        // Replace, then clear.
        table.SetProgram(0, obj.Program("tail_target_b"));
        Assert.True(table.TryGetProgramId(0, out var replaced));
        Assert.Equal(idB, replaced);
        Assert.Equal(TargetB, MapsObject.Run(obj, "tail_dispatch", 0, 5));
        Assert.True(table.Clear(0));
        Assert.False(table.Clear(0));
        Assert.Equal(MapsObject.Missing, MapsObject.Run(obj, "tail_dispatch", 0, 6));
        Assert.Equal(5ul, marks[1]);
    }

    [SkippableFact]
    public void IndexesOutsideTheArrayAreRefusedBeforeAnySystemCall()
    {
        using var obj = MapsObject.Load();
        var table = obj.Map("jump_table").AsProgramArray();
        var program = obj.Program("tail_target_a");
        Assert.Throws<ArgumentOutOfRangeException>(() => table.SetProgram(4, program));
        Assert.Throws<ArgumentOutOfRangeException>(() => table.SetProgram(-1, program));
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Clear(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => table.TryGetProgramId(100, out _));
    }

    [SkippableFact]
    public void ProgramsOfAnotherTypeAreRefused()
    {
        using var obj = MapsObject.Load();
        var table = obj.Map("jump_table").AsProgramArray();
        var tracepoint = obj.Program("count_syscalls_tp");
        var e = Assert.Throws<BpfException>(() => table.SetProgram(1, tracepoint));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("count_syscalls_tp", e.Message);
        Assert.Contains("jump_table", e.Message);
    }

    [SkippableFact]
    public void ProgramArrayCreatedFromCSharpHoldsPrograms()
    {
        using var obj = MapsObject.Load();
        using var raw = BpfMap.Create(BpfMapType.ProgArray, sizeof(uint), sizeof(uint), 2, "test_progs");
        var table = raw.AsProgramArray();
        table.SetProgram(1, obj.Program("tail_target_a"));
        Assert.True(table.TryGetProgramId(1, out var id));
        Assert.NotEqual(0u, id);
        Assert.False(table.TryGetProgramId(0, out _));
        // The first program fixed the array's program type: a tracepoint program no longer fits.
        Assert.Throws<BpfException>(() => table.SetProgram(0, obj.Program("count_syscalls_tp")));
        Assert.True(table.Clear(1));
    }

    [SkippableFact]
    public void SettingProgramsLeaksNoDescriptors()
    {
        FdCounter.AssertNoLeak(() =>
        {
            using var obj = MapsObject.Load();
            var table = obj.Map("jump_table").AsProgramArray();
            table.SetProgram(2, obj.Program("tail_target_a"));
            Assert.Equal(TargetA, MapsObject.Run(obj, "tail_dispatch", 2, 1));
        });
    }
}
