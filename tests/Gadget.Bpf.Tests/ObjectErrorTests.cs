namespace Gadget.Bpf.Tests;

public class ObjectErrorTests
{
    [Fact]
    public void TruncatedObjectIsRejectedAsFormatError()
    {
        var bytes = TestObjects.Bytes(TestObjects.SyscallEvents);
        var error = Assert.Throws<BpfObjectFormatException>(() => BpfObjectSpec.FromBytes(bytes.AsSpan(0, bytes.Length / 3)));
        Assert.Contains("Not a valid BPF object", error.Message);
    }

    [Fact]
    public void GarbageAndEmptyBytesAreRejected()
    {
        var garbage = new byte[4096];
        new Random(42).NextBytes(garbage);
        Assert.Throws<BpfObjectFormatException>(() => BpfObjectSpec.FromBytes(garbage));
        Assert.Throws<BpfObjectFormatException>(() => BpfObjectSpec.FromBytes(ReadOnlySpan<byte>.Empty));
        Assert.Throws<BpfObjectFormatException>(() => BpfObjectSpec.FromBytes("\u007fELF not really an ELF file"u8));
    }

    [Fact]
    public void MissingFileAndResourceNameThePath()
    {
        var file = Assert.Throws<FileNotFoundException>(() => BpfObjectSpec.Open("/nonexistent/gadget.bpf.o"));
        Assert.Equal("/nonexistent/gadget.bpf.o", file.FileName);
        var resource = Assert.Throws<FileNotFoundException>(() => TestObjects.Open("nope.bpf.o"));
        Assert.Contains("syscall_events.bpf.o", resource.Message);
    }

    [Fact]
    public async Task AnEndlessFileIsRefusedAndAPipeIsRead()
    {
        // /dev/zero never ends: it used to be read until memory ran out.
        var endless = Assert.Throws<BpfObjectFormatException>(() => BpfObjectSpec.Open("/dev/zero"));
        Assert.Contains("/dev/zero", endless.Message);
        Assert.Contains("MiB", endless.Message);

        // A pipe has no length to ask for (a shell's <(...) passes one as /dev/fd/N): it is read to its end.
        var fifo = Path.Combine(Path.GetTempPath(), $"gadget-object-{Environment.ProcessId}-{Guid.NewGuid():N}.fifo");
        Assert.Equal(0, NativeCalls.MakeFifo(fifo, 0x180)); // 0600
        try
        {
            var bytes = TestObjects.Bytes(TestObjects.SyscallEvents);
            var writer = Task.Run(() => File.WriteAllBytes(fifo, bytes));
            using var spec = BpfObjectSpec.Open(fifo);
            await writer;
            Assert.Contains(spec.Programs, p => p.Name.Length > 0);
        }
        finally
        {
            File.Delete(fifo);
        }
    }

    [Fact]
    public void VerifierRejectionCarriesTheProgramNameAndLog()
    {
        using var obj = TestObjects.Open(TestObjects.VerifierReject);
        var error = Assert.Throws<BpfLoadException>(obj.Load);
        Assert.Equal("unchecked_lookup", error.ProgramName);
        Assert.Equal(Errno.EACCES, error.Errno);
        Assert.Contains("map_value_or_null", error.VerifierLog);
        Assert.Contains("unchecked_lookup", error.Message);
        Assert.Contains("map_value_or_null", error.Message);
    }

    [Theory]
    [InlineData(int.MaxValue)] // over the kernel's limit (UINT_MAX >> 2): EINVAL would replace the verifier's answer
    [InlineData(1)]
    public void AVerifierRejectionCarriesTheLogWhateverLogSizeIsAsked(int logSize)
    {
        using var obj = TestObjects.Open(TestObjects.VerifierReject, new BpfObjectOptions { VerifierLogSize = logSize });
        var error = Assert.Throws<BpfLoadException>(obj.Load);
        Assert.Equal("unchecked_lookup", error.ProgramName);
        Assert.Equal(Errno.EACCES, error.Errno);
        Assert.Contains("map_value_or_null", error.VerifierLog);
    }

    [Fact]
    public void FentryProgramsAreLoadedOrRefusedWithAClearReason()
    {
        using var spec = TestObjects.Open(TestObjects.Unsupported);
        spec.SetGlobal("target_tgid", (uint)Environment.ProcessId);
        BpfFeatureNotSupportedException? refused = null;
        BpfObject? loaded = null;
        try
        {
            loaded = spec.Load();
        }
        catch (BpfFeatureNotSupportedException e)
        {
            refused = e;
        }
        if (!KernelFeatures.Has(KernelFeatures.Fentry, refused is null))
        {
            Assert.Equal("fentry", refused!.Feature);
            Assert.Contains("on_nanosleep_entry", refused.Message);
            Assert.Contains("tracepoint", refused.Message);
            return;
        }
        // A kernel that allows fentry: the program must really run, once per nanosleep of this process.
        using var obj = loaded!;
        Assert.Equal(0UL, obj.GetGlobal<ulong>("calls"));
        using (obj.Program("on_nanosleep_entry").Attach())
        {
            for (var i = 0; i < 3; i++)
            {
                NativeCalls.NanoSleep(TimeSpan.FromMilliseconds(1));
            }
        }
        var calls = obj.GetGlobal<ulong>("calls");
        Assert.True(calls >= 3, $"the fentry program on do_nanosleep ran {calls} times for 3 nanosleeps");
    }

    [Fact]
    public void GlobalsAreCheckedByNameSizeAndTime()
    {
        using var spec = TestObjects.Open(TestObjects.SyscallEvents);
        Assert.Throws<KeyNotFoundException>(() => spec.SetGlobal("no_such_global", 1u));
        var size = Assert.Throws<ArgumentException>(() => spec.SetGlobal("target_tgid", 1UL));
        Assert.Contains("4 bytes", size.Message);
        spec.SetGlobal("output_mode", 2u);
        Assert.Equal(2u, spec.GetGlobal<uint>("output_mode"));
        using var obj = spec.Load();
        Assert.Equal(2u, obj.GetGlobal<uint>("output_mode"));
        Assert.Throws<InvalidOperationException>(() => spec.SetGlobal("target_tgid", 1u));
        Assert.Throws<InvalidOperationException>(spec.Load);
    }

    [Fact]
    public void UnknownProgramsAndMapsListWhatExists()
    {
        using var obj = TestObjects.Open(TestObjects.SyscallEvents);
        var program = Assert.Throws<KeyNotFoundException>(() => obj.Program("nope"));
        Assert.Contains("on_sys_enter", program.Message);
        var map = Assert.Throws<KeyNotFoundException>(() => obj.Map("nope"));
        Assert.Contains("syscall_counts", map.Message);
    }

    [Fact]
    public void WrongKeyOrValueSizeIsAnArgumentErrorBeforeAnySyscall()
    {
        using var obj = TestObjects.Load(TestObjects.SyscallEvents);
        var counts = obj.Map("syscall_counts");
        Assert.Throws<ArgumentException>(() => counts.As<uint, ulong>());
        Assert.Throws<ArgumentException>(() => counts.TryLookup(new byte[3], new byte[8]));
        Assert.Throws<ArgumentException>(() => counts.Update(new byte[counts.KeySize], new byte[4]));
    }

    [Fact]
    public void ObjectsAreUsableAfterAFailedOneAndNothingLeaks()
    {
        FdCounter.AssertNoLeak(() =>
        {
            using (var bad = TestObjects.Open(TestObjects.VerifierReject))
            {
                Assert.Throws<BpfLoadException>(bad.Load);
            }
            using var good = TestObjects.Load(TestObjects.SyscallEvents);
        });
    }
}
