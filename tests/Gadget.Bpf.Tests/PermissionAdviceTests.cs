using Gadget.Linux;

namespace Gadget.Bpf.Tests;

/// <summary>
/// EPERM/EACCES name what the calling thread lacks for the operation (its effective capabilities are dropped on a thread
/// of its own: the kernel and <c>CapEff</c> are per thread), never capabilities it has.
/// </summary>
public sealed class PermissionAdviceTests
{
    private const string TracepointId = "/sys/kernel/tracing/events/syscalls/sys_enter_execve/id";

    [Fact]
    public void AnUnreadableTracefsFileNamesCapDacReadSearchNotCapBpf()
    {
        string? message = null;
        Assert.Null(ThreadCapabilities.RunWithout([EffectiveCapabilities.DacReadSearch, EffectiveCapabilities.DacOverride], () =>
            message = Errno.ToException(Errno.EACCES, "attach program 'p' (tracepoint/syscalls/sys_enter_execve)", TracepointId).Message));
        Assert.Contains("CAP_DAC_READ_SEARCH", message);
        Assert.Contains(TracepointId, message);
        Assert.DoesNotContain("lacks CAP_BPF", message);

        // With the capability, the refusal came from elsewhere and the message does not ask for it.
        var withIt = Errno.ToException(Errno.EACCES, "attach program 'p'", TracepointId).Message;
        Assert.Contains("security module", withIt);
    }

    [Theory]
    [InlineData("libbpf: failed to open '/sys/kernel/tracing/events/syscalls/sys_enter_execve/id': Permission denied")] // libbpf 1.1
    [InlineData("libbpf: failed to open '/sys/kernel/tracing/events/syscalls/sys_enter_execve/id': -EACCES")]           // 1.5 and later
    public void TheDeniedFileIsReadFromEveryLibbpfsWording(string log) =>
        Assert.Equal("/sys/kernel/tracing/events/syscalls/sys_enter_execve/id", PermissionAdvice.DeniedPath(log));

    [Fact]
    public void APerfRingMmapRefusalNamesTheMlockLimitAndCapIpcLock()
    {
        string? message = null;
        Assert.Null(ThreadCapabilities.RunWithout([EffectiveCapabilities.IpcLock], () =>
            message = Errno.ToException(Errno.EPERM, "mmap 1052672 bytes of the perf ring of CPU 0").Message));
        Assert.Contains("perf_event_mlock_kb", message);
        Assert.Contains("CAP_IPC_LOCK, which this process lacks", message);
        Assert.Contains("ulimit -l", message);
    }

    [Fact]
    public void SetnsAndPacketSocketsNameTheirCapabilities()
    {
        string? setns = null, packet = null;
        Assert.Null(ThreadCapabilities.RunWithout([EffectiveCapabilities.SysAdmin, EffectiveCapabilities.NetRaw], () =>
        {
            setns = Errno.ToException(Errno.EPERM, "enter the network namespace", "/proc/1/ns/net").Message;
            packet = Errno.ToException(Errno.EPERM, "open an AF_PACKET socket").Message;
        }));
        Assert.Contains("CAP_SYS_ADMIN", setns);
        Assert.Contains("CAP_NET_RAW, which this process lacks", packet);
    }

    [Fact]
    public void AProcessWithEveryCapabilityIsNotToldToGetThem()
    {
        var message = Errno.ToException(Errno.EPERM, "load program 'x'").Message;
        Assert.DoesNotContain("lacks", message);
        Assert.Contains("has CAP_BPF and CAP_PERFMON", message);
    }
}
