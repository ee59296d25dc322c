using System.Collections.Concurrent;
using System.Diagnostics;

namespace Gadget.Cli.Tests;

/// <summary>
/// <c>gadgets capable</c>: on a kernel without kprobes (this machine's) one line on standard error naming kprobes and
/// exit 1, nothing else; where kprobes exist, a root chown's CAP_CHOWN check as JSON the schema accepts.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class CapableCliTests
{
    private static bool HasKprobes =>
        Directory.Exists("/sys/bus/event_source/devices/kprobe") || File.Exists("/sys/kernel/tracing/kprobe_events");

    [Fact]
    public async Task WithoutKprobesItRefusesOnOneLineElseItReportsAChown()
    {
        if (!HasKprobes)
        {
            var run = await Tool.Gadgets.RunAsync(["capable", "--host", "-o", "json"]);
            run.AssertOneLineFailure(1, "no kprobes");
            Assert.Contains("CONFIG_KPROBES", run.ErrorLines[0], StringComparison.Ordinal);
            Assert.Equal(string.Empty, run.Output.Trim()); // not even the ready line: nothing was attached
            return;
        }
        var file = Path.Combine(Path.GetTempPath(), "gadget-cli-capable-" + Guid.NewGuid().ToString("N")[..10]);
        await File.WriteAllTextAsync(file, "x");
        try
        {
            var pids = new ConcurrentBag<int>();
            bool Ours(string line) => pids.Any(pid => line.Contains($"\"pid\":{pid},", StringComparison.Ordinal));
            var lines = await GadgetJsonRun.CaptureAsync(["capable", "--host", "-o", "json", "--cap", "CHOWN"], () => pids.Add(Chown(file)), Ours);
            var check = GadgetJsonRun.Event(lines.Where(Ours), "\"capName\":\"CAP_CHOWN\"");
            Assert.Equal("allow", check.GetProperty("verdict").GetString());
            Assert.Equal("chown", check.GetProperty("comm").GetString());
            Assert.Equal(0, check.GetProperty("uid").GetInt32());
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static int Chown(string file)
    {
        using var process = Process.Start("chown", ["1234:1234", file]);
        process.WaitForExit();
        return process.Id;
    }
}
