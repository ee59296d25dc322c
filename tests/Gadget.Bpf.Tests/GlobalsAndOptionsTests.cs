using System.Text;

namespace Gadget.Bpf.Tests;

public class GlobalsAndOptionsTests
{
    [Fact]
    public void ArrayGlobalsAreSetAndReadFromSpans()
    {
        using var spec = SurfaceObject.Open();
        var comm = new byte[16];
        Encoding.ASCII.GetBytes("gadget-test", comm);
        spec.SetGlobal<byte>("target_comm", comm);
        int[] weights = [10, 20, 30, 40, 50, 60, 70, 80];
        spec.SetGlobal<int>("weights", weights);
        Assert.Throws<ArgumentException>(() => spec.SetGlobal<int>("weights", new int[7]));
        var before = new int[8];
        spec.GetGlobal<int>("weights", before);
        Assert.Equal(weights, before);
        using var obj = spec.Load();
        obj.Program("sum_weights").TestRun(new byte[8]);
        Assert.Equal((ulong)weights.Select((w, i) => w * (i + 1)).Sum(), obj.GetGlobal<ulong>("weighted_sum"));
        var seen = new byte[16];
        obj.GetGlobal<byte>("seen_comm", seen);
        Assert.Equal(comm, seen);
    }

    [Fact]
    public void AKconfigExternResolvesFromTheKconfigOptionAndHasNoValueBeforeLoad()
    {
        using (var withoutOption = TestObjects.Open(TestObjects.KconfigTest))
        {
            Assert.Throws<InvalidOperationException>(() => withoutOption.GetGlobal<uint>("CONFIG_GADGET_ANSWER"));
            Assert.Throws<InvalidOperationException>(() => withoutOption.SetGlobal("CONFIG_GADGET_ANSWER", 1u));
            Assert.ThrowsAny<BpfException>(withoutOption.Load); // no kernel config has CONFIG_GADGET_ANSWER
        }
        using var obj = TestObjects.Load(TestObjects.KconfigTest, new BpfObjectOptions { Kconfig = "CONFIG_GADGET_ANSWER=42\n" });
        Assert.Equal(42u, obj.GetGlobal<uint>("CONFIG_GADGET_ANSWER"));
        obj.Program("read_answer").TestRun(new byte[8]);
        Assert.Equal(42UL, obj.GetGlobal<ulong>("answer_seen"));
    }

    [Fact]
    public void GlobalsAreFoundWhateverDotsTheObjectsNameHolds()
    {
        // libbpf names the .rodata, .data, .bss and .kconfig maps after the object: 'my.tool.rodata', 'my.tool.kconfig'.
        var named = new BpfObjectOptions { Name = "my.tool" };
        using (var spec = TestObjects.Open(TestObjects.LibbpfSurface, named))
        {
            Assert.Contains(spec.Maps, m => m.Name == "my.tool.rodata");
            var comm = Encoding.ASCII.GetBytes("dotted-name\0\0\0\0\0");
            spec.SetGlobal<byte>("target_comm", comm);
            var read = new byte[16];
            spec.GetGlobal<byte>("target_comm", read);
            Assert.Equal(comm, read);
            var weights = new int[8];
            spec.GetGlobal<int>("weights", weights); // .data
            Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], weights);
            Assert.Equal(0ul, spec.GetGlobal<ulong>("weighted_sum")); // .bss
        }
        using var kconfig = TestObjects.Open(TestObjects.KconfigTest, new BpfObjectOptions { Name = "my.tool", Kconfig = "CONFIG_GADGET_ANSWER=42\n" });
        Assert.Throws<InvalidOperationException>(() => kconfig.SetGlobal("CONFIG_GADGET_ANSWER", 1u)); // still known as a .kconfig extern
        using var obj = kconfig.Load();
        Assert.Equal(42u, obj.GetGlobal<uint>("CONFIG_GADGET_ANSWER"));
        obj.Program("read_answer").TestRun(new byte[8]);
        Assert.Equal(42ul, obj.GetGlobal<ulong>("answer_seen"));
    }

    [Fact]
    public void OpenWithOptionsButNoNameNamesTheObjectAfterItsFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"named_{Guid.NewGuid():N}"[..14] + ".bpf.o");
        File.WriteAllBytes(path, TestObjects.Bytes(TestObjects.SyscallEvents));
        try
        {
            using var obj = BpfObjectSpec.Open(path, new BpfObjectOptions { VerifierLogSize = 1 << 20 });
            Assert.Equal(Path.GetFileName(path).Split('.')[0], obj.Name);
            using var embedded = TestObjects.Open(TestObjects.SyscallEvents, new BpfObjectOptions());
            Assert.Equal("syscall_events", embedded.Name);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AMissingBtfCustomPathIsReportedAtOpen()
    {
        var error = Assert.Throws<FileNotFoundException>(() =>
            TestObjects.Open(TestObjects.SyscallEvents, new BpfObjectOptions { BtfCustomPath = "/nonexistent/vmlinux.btf" }));
        Assert.Equal("/nonexistent/vmlinux.btf", error.FileName);
    }

    [Fact]
    public void ADirectoryIsNotAnObjectAndARegularFileIsNotAPin()
    {
        var directory = Assert.Throws<ArgumentException>(() => BpfObjectSpec.Open("/tmp"));
        Assert.Contains("is a directory", directory.Message);
        var pin = Assert.Throws<ArgumentException>(() => BpfMap.OpenPinned("/etc/passwd"));
        Assert.Contains("bpffs", pin.Message);
        Assert.DoesNotContain("CAP_BPF", pin.Message);
    }
}
