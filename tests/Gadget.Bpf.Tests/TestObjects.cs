using System.Reflection;
using System.Runtime.InteropServices;

namespace Gadget.Bpf.Tests;

/// <summary>The BPF objects built from bpf/*.bpf.c and embedded in this test assembly.</summary>
internal static class TestObjects
{
    internal const string SyscallEvents = "syscall_events.bpf.o";
    internal const string AttachTests = "attach_tests.bpf.o";
    internal const string Unsupported = "unsupported.bpf.o";
    internal const string VerifierReject = "verifier_reject.bpf.o";
    internal const string LibbpfSurface = "libbpf_surface.bpf.o";
    internal const string LoadFailures = "load_failures.bpf.o";
    internal const string KconfigTest = "kconfig_test.bpf.o";
    internal const string UsdtTest = "usdt_test.bpf.o";
    internal const string Maps = "maps.bpf.o";                  // a bloom filter map: Linux 5.16
    internal const string PerfMapInMap = "perf_map_in_map.bpf.o"; // bpf_loop: Linux 5.17

    /// <summary>
    /// Opens an embedded object (a [SkippableFact] skips when the object needs what the kernel lacks). A program that
    /// calls bpf_loop (Linux 5.17) is not loaded on a kernel without it, so the rest of its object still loads there;
    /// the tests that run it call <see cref="KernelFeatures.Require"/> first.
    /// </summary>
    internal static BpfObjectSpec Open(string name, BpfObjectOptions? options = null)
    {
        // Objects every program of which needs a feature: the test skips (or fails where the feature is expected).
        if (name == PerfMapInMap)
        {
            KernelFeatures.Require(KernelFeatures.Loop);
        }
        else if (name == Maps)
        {
            KernelFeatures.Require(KernelFeatures.BloomFilter);
        }
        var obj = BpfObjectSpec.FromEmbeddedResource(Assembly.GetExecutingAssembly(), name, options);
        if (name == SyscallEvents && !KernelFeatures.Has(KernelFeatures.Loop))
        {
            obj.Program("emit_burst").AutoLoad = false;
        }
        return obj;
    }

    /// <summary>Opens an embedded object as <see cref="Open"/> does and loads it as it is.</summary>
    internal static BpfObject Load(string name, BpfObjectOptions? options = null)
    {
        using var spec = Open(name, options);
        return spec.Load();
    }

    /// <summary>The bytes of an embedded object: the process's architecture's build, as FromEmbeddedResource picks it.</summary>
    internal static byte[] Bytes(string name)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var resource = EmbeddedObjectNames.Resolve(assembly.GetManifestResourceNames(), name, RuntimeInformation.ProcessArchitecture, "tests");
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new FileNotFoundException(name);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
