using System.Reflection;

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

    internal static BpfObject Open(string name, BpfObjectOptions? options = null) =>
        BpfObject.FromEmbeddedResource(Assembly.GetExecutingAssembly(), name, options);

    internal static byte[] Bytes(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new FileNotFoundException(name);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
