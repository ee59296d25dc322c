using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace Gadget.Bpf.Tests;

public class CorruptObjectFuzzTests(ITestOutputHelper output)
{

    /// <summary>
    /// Thousands of mutated copies of real objects go through <see cref="BpfObjectSpec.FromBytes"/>: each must open or be
    /// refused with a <see cref="BpfObjectFormatException"/>, never crash the process (a crash kills this test host).
    /// The seed is printed; GADGET_FUZZ_SEED replays a run, GADGET_FUZZ_ITERATIONS changes its length (default 100,000).
    /// </summary>
    [Fact]
    public void MutatedObjectsOpenOrAreRefusedAndNeverCrashTheProcess()
    {
        var seed = ulong.TryParse(Environment.GetEnvironmentVariable("GADGET_FUZZ_SEED"), CultureInfo.InvariantCulture, out var given)
            ? given : 20261205UL;
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("GADGET_FUZZ_ITERATIONS"), CultureInfo.InvariantCulture, out var count)
            ? count : 100_000;
        output.WriteLine($"seed {seed}, libbpf {BpfEnvironment.LibbpfVersion} from {BpfEnvironment.LibbpfPath}");
        var originals = new[] { TestObjects.SyscallEvents, TestObjects.AttachTests, TestObjects.Unsupported, TestObjects.VerifierReject, "maps.bpf.o" }
            .Select(TestObjects.Bytes).ToArray();
        var mutator = new ObjectMutator(seed);
        int opened = 0, refused = 0;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            var bytes = mutator.Mutate(originals[i % originals.Length]);
            try
            {
                using var obj = BpfObjectSpec.FromBytes(bytes);
                opened++;
            }
            catch (BpfObjectFormatException)
            {
                refused++;
            }
        }
        output.WriteLine($"{iterations} mutated objects in {watch.Elapsed.TotalSeconds:F1} s: {opened} opened, {refused} refused as BpfObjectFormatException");
        Assert.Equal(iterations, opened + refused);
        Assert.True(refused > 0, "the mutator must produce objects that libbpf refuses");
    }
}
