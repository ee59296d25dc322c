namespace Gadget.Containers.Tests;

public class PlaceholderTests
{
    [Fact]
    public void ProcSelfCgroupIsReadable() => Assert.True(File.Exists("/proc/self/cgroup"));
}
