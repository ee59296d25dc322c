using System.Diagnostics;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// A <c>traceloop run</c> killed with SIGKILL cannot remove the cgroup it made for its command
/// (<c>traceloop-PID-...</c>): the next traced command removes those whose tracing process is gone and that hold no
/// process, and keeps one whose command still runs.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class AbandonedCgroupTests
{
    [Fact]
    public async Task TheCgroupOfAKilledTracer_IsRemovedByTheNextCommand_UnlessItsCommandRunsOn()
    {
        var gone = Exited();
        var empty = Path.Combine(CgroupId.Cgroup2Root, $"traceloop-{gone}-{Guid.NewGuid():N}"[..40]);
        var busy = Path.Combine(CgroupId.Cgroup2Root, $"traceloop-{gone}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(empty);
        Directory.CreateDirectory(busy);
        using var stillRunning = Process.Start(new ProcessStartInfo("sh", ["-c", $"echo $$ > {busy}/cgroup.procs && exec sleep 60"]) { UseShellExecute = false })!;
        try
        {
            while (File.ReadAllText(Path.Combine(busy, "cgroup.procs")).Trim().Length == 0)
            {
                await Task.Delay(10);
            }

            await using var tracer = TraceloopTracer.Start();
            await using (var command = TracedCommand.Start(tracer, "true", []))
            {
                await command.WaitForExitAsync();
            }

            Assert.False(Directory.Exists(empty), $"{empty} is still there");
            Assert.True(Directory.Exists(busy), $"{busy} was removed while a process was in it");
        }
        finally
        {
            stillRunning.Kill();
            stillRunning.WaitForExit();
            for (var attempt = 0; attempt < 50 && Directory.Exists(busy); attempt++)
            {
                try
                {
                    Directory.Delete(busy);
                }
                catch (IOException)
                {
                    await Task.Delay(100);
                }
            }
            if (Directory.Exists(empty))
            {
                Directory.Delete(empty);
            }
        }
    }

    /// <summary>The pid of a process that has ended (a killed tracer's).</summary>
    private static int Exited()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }
}
