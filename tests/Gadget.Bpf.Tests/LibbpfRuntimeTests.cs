namespace Gadget.Bpf.Tests;

public class LibbpfRuntimeTests
{
    [Fact]
    public void TheShippedLibbpf17IsLoadedInPreferenceToTheSystemsAndNeedsNoSystemLibelf()
    {
        var path = BpfEnvironment.LibbpfPath;
        var expected = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-" + System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(), "native", "libbpf.so.1");
        Assert.True(BpfEnvironment.IsLibbpfShipped, $"libbpf was loaded from {path}, not from {expected}: run eng/build-libbpf.sh");
        Assert.Equal(Path.GetFullPath(expected), path);
        Assert.Equal(new Version(1, 7), BpfEnvironment.LibbpfVersion);

        // The process maps exactly one libbpf (every P/Invoke bound to the same file), and no libelf or libz of the system
        // (both are linked into the shipped libbpf).
        using var map = BpfMap.Create(BpfMapType.Array, 4, 4, 1); // a real libbpf call
        var mapped = File.ReadAllLines("/proc/self/maps").Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6).Select(fields => fields[5]).Distinct().ToArray();
        Assert.Equal([path], mapped.Where(file => Path.GetFileName(file).StartsWith("libbpf", StringComparison.Ordinal)));
        Assert.DoesNotContain(mapped, file => Path.GetFileName(file).StartsWith("libelf", StringComparison.Ordinal));
    }
}
