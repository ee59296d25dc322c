using Gadget.Bpf;
using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop.Tests;

/// <summary>Signatures from this kernel's tracefs, the built-in fallback, and the capture specs derived from them.</summary>
public class DecodingSignatureTests
{
    private static readonly SyscallCatalog X86 = new(SyscallTable.X86_64, SyscallSignatureProvider.Shared);

    [Fact]
    public void TracefsSignaturesAreReadAndTheFallbackAgreesWithThem()
    {
        var provider = SyscallSignatureProvider.Shared;
        Assert.True(provider.UsesTracefs);
        var openat = provider.Get("openat")!;
        Assert.True(openat.FromTracefs);
        Assert.Equal(["dfd", "filename", "flags", "mode"], openat.Parameters.Select(p => p.Name).ToArray());
        Assert.Equal("const char *", openat.Parameters[1].Type);
        // The fallback must say what the running kernel says, for every syscall it covers.
        int compared = 0;
        foreach (var (_, name) in SyscallTable.X86_64.Syscalls)
        {
            var fallback = SyscallSignatureProvider.FallbackOnly.Get(name);
            if (fallback is null)
            {
                continue;
            }
            Assert.False(fallback.FromTracefs);
            var live = provider.Get(name);
            Assert.NotNull(live);
            Assert.Equal(live.Parameters, fallback.Parameters);
            compared++;
        }
        Assert.True(compared > 80, $"only {compared} fallback signatures");
        Assert.Same(provider.Get("read"), provider.Get("read"));
    }

    [Fact]
    public void FormatFilesParseIntoTheFieldsAfterTheSyscallNumber()
    {
        string format = File.ReadAllText(Path.Combine(BpfEnvironment.EnsureTracefs(), "events", "syscalls", "sys_enter_connect", "format"));
        var parameters = SyscallSignatureProvider.ParseFormat(format);
        Assert.Equal(new SyscallParameter[] { new("fd", "int"), new("uservaddr", "struct sockaddr *"), new("addrlen", "int") }, parameters);
    }

    [Fact]
    public void CaptureSpecsCoverPathsBuffersAndAddresses()
    {
        ArgumentCaptureSpec Spec(string name, int index) => X86.GetCaptureSpecs(SyscallTable.X86_64.GetNumber(name))[index];
        Assert.Equal(ArgumentCapture.PathIn, Spec("openat", 1).Kind);
        Assert.Equal(ArgumentCapture.PathIn, Spec("execve", 0).Kind);
        Assert.Equal(ArgumentCapture.StringIn, Spec("memfd_create", 0).Kind);
        Assert.Equal(ArgumentCapture.StringArrayIn, Spec("execve", 1).Kind);
        Assert.Equal(ArgumentCapture.BufferOut, Spec("read", 1).Kind);
        Assert.Equal(new ArgumentCaptureSpec(ArgumentCapture.BufferIn, 2), Spec("write", 1));
        Assert.Equal(new ArgumentCaptureSpec(ArgumentCapture.BufferIn, 2), Spec("sendto", 1));
        Assert.Equal(new ArgumentCaptureSpec(ArgumentCapture.SockaddrIn, 5), Spec("sendto", 4));
        Assert.Equal(new ArgumentCaptureSpec(ArgumentCapture.SockaddrIn, 2), Spec("connect", 1));
        Assert.Equal(new ArgumentCaptureSpec(ArgumentCapture.StructOut, FixedSize: 8), Spec("pipe2", 0));
        Assert.Equal(ArgumentCapture.BufferOut, Spec("getcwd", 0).Kind);
        Assert.Equal(new ArgumentCaptureSpec(ArgumentCapture.StructIn, FixedSize: 32), Spec("rt_sigaction", 1));
        Assert.Equal(new ArgumentCaptureSpec(ArgumentCapture.StructOut, FixedSize: 32), Spec("rt_sigaction", 2));
        Assert.Equal(new ArgumentCaptureSpec(ArgumentCapture.ArrayInOut, 1, 8), Spec("poll", 0));
        Assert.Equal(new ArgumentCaptureSpec(ArgumentCapture.DirentCount), Spec("getdents64", 1));
        Assert.Equal(new ArgumentCaptureSpec(ArgumentCapture.IovecIn, 2), Spec("writev", 1));
        Assert.Equal(new ArgumentCaptureSpec(ArgumentCapture.StructOut, FixedSize: 256), Spec("statx", 4));
        Assert.Empty(X86.GetCaptureSpecs(SyscallTable.X86_64.GetNumber("close")));
        Assert.Empty(X86.GetCaptureSpecs(9999));
    }

    [Fact]
    public void EveryCaptureSpecPointsAtAPointerOfTheKernelSignature()
    {
        var all = X86.GetAllCaptureSpecs().ToArray();
        Assert.True(all.Length > 80, $"only {all.Length} syscalls capture anything");
        foreach (var (number, specs) in all)
        {
            var signature = X86.GetSignature(number);
            Assert.NotNull(signature);
            Assert.Equal(signature.Parameters.Count, specs.Count);
            for (int i = 0; i < specs.Count; i++)
            {
                var spec = specs[i];
                var parameter = signature.Parameters[i];
                if (spec.Kind == ArgumentCapture.None)
                {
                    continue;
                }
                // On x86-64 mmap-like syscalls declare pointers as unsigned long; every captured argument here is a real pointer,
                // except prctl's arg2, an unsigned long that is a pointer for some options (PR_SET_NAME, PR_GET_NAME, PR_GET_PDEATHSIG):
                // the BPF side reads it at exit and a value that is not an address reads as unreadable.
                bool prctlArgument = signature.Name == "prctl" && i == 1 && spec is { Kind: ArgumentCapture.StructOut, FixedSize: 16 };
                Assert.True(parameter.IsPointer || prctlArgument, $"{signature.Name} argument {i} ({parameter.Type} {parameter.Name}) is captured as {spec.Kind}");
                if (spec.Kind is ArgumentCapture.BufferIn or ArgumentCapture.SockaddrIn or ArgumentCapture.ArrayInOut or ArgumentCapture.IovecIn or ArgumentCapture.IovecOut)
                {
                    Assert.InRange(spec.LengthArgument, 0, specs.Count - 1);
                    Assert.False(signature.Parameters[spec.LengthArgument].IsPointer, $"{signature.Name}: the length of argument {i} is a pointer");
                }
                if (spec.Kind is ArgumentCapture.StringIn or ArgumentCapture.PathIn)
                {
                    Assert.Contains("char", parameter.Type, StringComparison.Ordinal);
                }
            }
        }
        // Derived (not explicit) specs exist too: e.g. getxattr's path and name.
        var getxattr = X86.GetCaptureSpecs(SyscallTable.X86_64.GetNumber("getxattr"));
        Assert.Equal(ArgumentCapture.PathIn, getxattr[0].Kind);
        Assert.Equal(ArgumentCapture.PathIn, getxattr[1].Kind);
    }

    [Fact]
    public void Arm64CapturesTheSameStructuresUnderItsOwnNumbers()
    {
        // arm64 numbers its syscalls differently (asm-generic) and has no poll: ppoll's array is captured the same way.
        var arm = new SyscallCatalog(SyscallTable.Arm64, SyscallSignatureProvider.Shared);
        ArgumentCaptureSpec Spec(string name, int index) => arm.GetCaptureSpecs(SyscallTable.Arm64.GetNumber(name))[index];
        Assert.NotEqual(SyscallTable.X86_64.GetNumber("rt_sigaction"), SyscallTable.Arm64.GetNumber("rt_sigaction"));
        Assert.Equal(new ArgumentCaptureSpec(ArgumentCapture.StructIn, FixedSize: 32), Spec("rt_sigaction", 1));
        Assert.Equal(new ArgumentCaptureSpec(ArgumentCapture.StructOut, FixedSize: 8), Spec("rt_sigprocmask", 2));
        Assert.Equal(new ArgumentCaptureSpec(ArgumentCapture.ArrayInOut, 1, 8), Spec("ppoll", 0));
        Assert.Equal(new ArgumentCaptureSpec(ArgumentCapture.StructIn, FixedSize: 16), Spec("ppoll", 2));
        Assert.Equal(new ArgumentCaptureSpec(ArgumentCapture.DirentCount), Spec("getdents64", 1));
        Assert.Equal(new ArgumentCaptureSpec(ArgumentCapture.StructOut, FixedSize: 256), Spec("statx", 4));
        Assert.Equal(new ArgumentCaptureSpec(ArgumentCapture.StructIn, FixedSize: 16), Spec("prlimit64", 2));
        Assert.Equal(new ArgumentCaptureSpec(ArgumentCapture.IovecOut, 2), Spec("readv", 1));
        Assert.False(SyscallTable.Arm64.TryGetNumber("poll", out _));
    }
}
