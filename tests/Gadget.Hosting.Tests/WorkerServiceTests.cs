using System.Diagnostics;
using System.Text;
using Gadget.Containers.Tests;

namespace Gadget.Hosting.Tests;

/// <summary>
/// samples/Gadget.WorkerService (gadget-worker) as its own process with its appsettings.json, selecting a real runc container
/// by name and label from its command line: the crash the test causes is logged with its last syscalls, the health report
/// is written, and SIGTERM stops it cleanly.
/// </summary>
public sealed class WorkerServiceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TheWorkerLogsTheHistoryOfACrashedContainerItSelected()
    {
        var id = RuncContainer.NewId("worker");
        var marker = $"/gadget-worker-{Guid.NewGuid():N}";
        var health = Path.Combine(Path.GetTempPath(), $"gadget-worker-{Guid.NewGuid():N}", "health");
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "gadget-worker"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        // Its appsettings.json selects Labels gadget.record=true; the name narrows it to this test's container.
        foreach (var argument in (string[])["--contentRoot", AppContext.BaseDirectory, $"--Gadget:Traceloop:Selector:Name={id}",
            $"--Gadget:Health:File={health}", "--Gadget:Health:Interval=00:00:01", "--Logging:Console:FormatterName=simple"])
        {
            start.ArgumentList.Add(argument);
        }
        var output = new StringBuilder();
        using var worker = Process.Start(start)!;
        worker.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        worker.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();
        string Output()
        {
            lock (output)
            {
                return output.ToString();
            }
        }
        try
        {
            Assert.True(await WaitForAsync(() => Output().Contains("Traceloop is recording", StringComparison.Ordinal) || worker.HasExited), Output());
            Assert.False(worker.HasExited, Output());
            Assert.Contains($"Traceloop is recording name={id} labels=gadget.record=true", Output(), StringComparison.Ordinal);

            // Healthy: BTF, libbpf, root, programs attached, the recorder running; written for an exec probe.
            Assert.True(await WaitForAsync(() => File.Exists(health) && File.ReadAllText(health).StartsWith("Healthy\n", StringComparison.Ordinal)), Output() + (File.Exists(health) ? File.ReadAllText(health) : "no health file"));
            var report = File.ReadAllText(health);
            Assert.Contains("gadget-environment: Healthy", report, StringComparison.Ordinal);
            Assert.Contains("traceloop: Healthy", report, StringComparison.Ordinal);

            // A container without the label is not recorded, one with it is: it reads a missing file and exits 3.
            using (var unlabeled = RuncContainer.Create(id + "-x", ["sh", "-c", $"cat {marker}-unlabeled; exit 4"]))
            using (var container = RuncContainer.Create(id, ["sh", "-c", $"cat {marker}; exit 3"], new Dictionary<string, string> { ["gadget.record"] = "true" }))
            {
                Assert.True(await WaitForAsync(() => Output().Contains($"{id} exited with code 3; its last syscalls:", StringComparison.Ordinal)), Output());
                Assert.True(unlabeled.WaitStopped(Patience));
            }
            var text = Output();
            Assert.Contains($"openat(AT_FDCWD, \"{marker}\", O_RDONLY", text, StringComparison.Ordinal);
            Assert.Contains("ENOENT", text, StringComparison.Ordinal);
            Assert.Contains("exit_group(3)", text, StringComparison.Ordinal);
            Assert.DoesNotContain($"{marker}-unlabeled", text, StringComparison.Ordinal);
            Assert.Contains("fail: Gadget.Traceloop.Hosting.TraceloopBackgroundService", text, StringComparison.Ordinal);

            // SIGTERM: the host stops, unloads its programs and exits 0.
            using (var kill = Process.Start("kill", ["-TERM", worker.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }
            using var timeout = new CancellationTokenSource(Patience);
            await worker.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, worker.ExitCode);
        }
        finally
        {
            if (!worker.HasExited)
            {
                worker.Kill();
            }
            Directory.Delete(Path.GetDirectoryName(health)!, recursive: true);
        }
    }

    private static async Task<bool> WaitForAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Patience)
        {
            if (condition())
            {
                return true;
            }
            await Task.Delay(100);
        }
        return condition();
    }
}
