using System.Reflection;
using System.Runtime.InteropServices;

namespace Gadget.Bpf.Tests;

/// <summary>
/// Embedded BPF objects come per architecture (x86_64/NAME.bpf.o, arm64/NAME.bpf.o, built by bpf/Makefile into bpf/out
/// and bpf/out/arm64): FromEmbeddedResource opens the one of the process's architecture, and says which architectures an
/// assembly carries when the process's is not one of them.
/// </summary>
public class EmbeddedObjectSelectionTests
{
    private static readonly Assembly Tests = typeof(EmbeddedObjectSelectionTests).Assembly;

    private static string Prefix(Architecture architecture) => architecture switch
    {
        Architecture.X64 => "x86_64/",
        Architecture.Arm64 => "arm64/",
        _ => throw new PlatformNotSupportedException(architecture.ToString()),
    };

    private static byte[] Resource(string name)
    {
        using var stream = Tests.GetManifestResourceStream(name) ?? throw new FileNotFoundException(name);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The repository's bpf/out, found above the test's output directory.</summary>
    private static string BpfOut()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "bpf", "Makefile")))
            {
                return Path.Combine(directory.FullName, "bpf", "out");
            }
        }
        throw new DirectoryNotFoundException("no bpf/Makefile above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void EveryTestObjectIsEmbeddedForBothArchitecturesFromItsArchitecturesBuild()
    {
        var names = Tests.GetManifestResourceNames();
        var x86 = names.Where(n => n.StartsWith("x86_64/", StringComparison.Ordinal)).Select(n => n["x86_64/".Length..]).Order().ToArray();
        var arm64 = names.Where(n => n.StartsWith("arm64/", StringComparison.Ordinal)).Select(n => n["arm64/".Length..]).Order().ToArray();
        var sources = Directory.GetFiles(Path.Combine(BpfOut(), ".."), "*.bpf.c").Select(f => Path.GetFileName(f)[..^2] + ".o").Order().ToArray();
        Assert.NotEmpty(sources);
        Assert.Equal(sources, x86);
        Assert.Equal(sources, arm64);
        foreach (var name in sources)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(BpfOut(), name)), Resource("x86_64/" + name));
            Assert.Equal(File.ReadAllBytes(Path.Combine(BpfOut(), "arm64", name)), Resource("arm64/" + name));
        }
        // The two builds differ where the architecture matters: pt_regs (PT_REGS_PARM1 is di on x86-64, regs[0] on arm64).
        Assert.NotEqual(Resource("x86_64/" + TestObjects.AttachTests), Resource("arm64/" + TestObjects.AttachTests));
    }

    [Fact]
    public void TheProcessArchitecturesObjectIsOpenedAndLoads()
    {
        var picked = EmbeddedObjectNames.Resolve(Tests.GetManifestResourceNames(), TestObjects.AttachTests, RuntimeInformation.ProcessArchitecture, "tests");
        Assert.Equal(Prefix(RuntimeInformation.ProcessArchitecture) + TestObjects.AttachTests, picked);
        // The public path picks the same one: the kernel takes it (the other architecture's pt_regs offsets may load too,
        // so the bytes above are what prove the choice; this proves the path FromEmbeddedResource takes).
        using var spec = BpfObjectSpec.FromEmbeddedResource(Tests, TestObjects.AttachTests);
        Assert.Contains(spec.Programs, p => p.Name == "count_kprobe");
        using var loaded = spec.Load();
        Assert.NotEmpty(loaded.Programs);
    }

    [Fact]
    public void AskingForArm64ResolvesTheArm64ResourceAndX64TheX86One()
    {
        var names = Tests.GetManifestResourceNames();
        Assert.Equal("arm64/traceloop.bpf.o", EmbeddedObjectNames.Resolve(names, "traceloop.bpf.o", Architecture.Arm64, "tests"));
        Assert.Equal("x86_64/traceloop.bpf.o", EmbeddedObjectNames.Resolve(names, "traceloop.bpf.o", Architecture.X64, "tests"));
        // A name already qualified is taken as it is, whatever the process's architecture.
        Assert.Equal("arm64/traceloop.bpf.o", EmbeddedObjectNames.Resolve(names, "arm64/traceloop.bpf.o", Architecture.X64, "tests"));
    }

    [Fact]
    public void AnArchitectureTheAssemblyDoesNotCarryIsNamedWithThoseItCarries()
    {
        var error = Assert.Throws<PlatformNotSupportedException>(
            () => EmbeddedObjectNames.Resolve(Tests.GetManifestResourceNames(), "traceloop.bpf.o", Architecture.S390x, "Gadget.Bpf.Tests"));
        Assert.Contains("S390x", error.Message);
        Assert.Contains("traceloop.bpf.o", error.Message);
        Assert.Contains("Gadget.Bpf.Tests", error.Message);
        Assert.Contains("it carries it for: x86_64, arm64", error.Message);

        // Carried for one architecture only: only that one is named.
        var onlyX86 = Assert.Throws<PlatformNotSupportedException>(
            () => EmbeddedObjectNames.Resolve(["x86_64/a.bpf.o"], "a.bpf.o", Architecture.Arm64, "app"));
        Assert.Contains("Arm64", onlyX86.Message);
        Assert.EndsWith("it carries it for: x86_64.", onlyX86.Message);
    }

    [Fact]
    public void AnObjectEmbeddedOnceIsFoundByItsNameOrAUniqueSuffixOnEveryArchitecture()
    {
        string[] names = ["App.bpf.app.bpf.o", "plain.bpf.o", "x86_64/other.bpf.o", "arm64/other.bpf.o"];
        foreach (var architecture in new[] { Architecture.X64, Architecture.Arm64, Architecture.RiscV64 })
        {
            Assert.Equal("App.bpf.app.bpf.o", EmbeddedObjectNames.Resolve(names, "app.bpf.o", architecture, "app"));
            Assert.Equal("plain.bpf.o", EmbeddedObjectNames.Resolve(names, "plain.bpf.o", architecture, "app"));
        }
        var missing = Assert.Throws<FileNotFoundException>(() => EmbeddedObjectNames.Resolve(names, "nope.bpf.o", Architecture.X64, "app"));
        Assert.Contains("plain.bpf.o", missing.Message);
        var ambiguous = Assert.Throws<FileNotFoundException>(
            () => EmbeddedObjectNames.Resolve(["A.x.bpf.o", "B.x.bpf.o"], "x.bpf.o", Architecture.X64, "app"));
        Assert.Contains("A.x.bpf.o, B.x.bpf.o", ambiguous.Message);
    }

    [Fact]
    public void TheMissingObjectErrorStillListsTheResources()
    {
        var error = Assert.Throws<FileNotFoundException>(() => BpfObjectSpec.FromEmbeddedResource(Tests, "nope.bpf.o"));
        Assert.Equal("nope.bpf.o", error.FileName);
        Assert.Contains("x86_64/syscall_events.bpf.o", error.Message);
        Assert.Contains("arm64/syscall_events.bpf.o", error.Message);
    }
}
