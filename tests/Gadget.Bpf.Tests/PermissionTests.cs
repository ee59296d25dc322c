namespace Gadget.Bpf.Tests;

public class PermissionTests
{
    private const int CapSysAdmin = 21;
    private const int CapPerfmon = 38;

    [Fact]
    public void LoadingATracingProgramWithoutCapPerfmonIsAPermissionErrorNamingIt()
    {
        var error = ThreadCapabilities.RunWithout([CapPerfmon, CapSysAdmin], () =>
        {
            using var obj = TestObjects.Load(TestObjects.SyscallEvents);
        });
        var permission = Assert.IsType<BpfPermissionException>(error);
        Assert.Equal(Errno.EPERM, permission.Errno);
        Assert.Contains("CAP_PERFMON", permission.Message);
        Assert.DoesNotContain("CAP_BPF and", permission.Message); // CAP_BPF is still there: only what lacks is named

        // The same load on a thread with every capability works: the failure was the missing capability.
        using var obj = TestObjects.Load(TestObjects.SyscallEvents);
    }

    [Fact]
    public void AHashMapWithKeySizeZeroIsAnArgumentErrorNotAMissingFeature()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => BpfMap.Create(BpfMapType.Hash, 0, 8, 4));
        Assert.Contains("key size", error.Message);
        using var ring = BpfMap.Create(BpfMapType.RingBuffer, 0, 0, 4096 * 4); // key size 0 is right for a ring buffer
    }
}
