using System.Diagnostics;

namespace Gadget.Containers.Tests;

/// <summary>
/// /proc/PID/cgroup ends a cgroup's path with " (deleted)" when the cgroup was removed while the process still belonged
/// to it (a zombie: exited, not reaped). A live cgroup may have that very name (a cgroup's name is its creator's choice):
/// its path is read as it is, not cut to the name of another cgroup.
/// </summary>
public sealed class DeletedCgroupPathTests
{
    [Fact]
    public void ALiveCgroupNamedDeletedKeepsItsName_AZombiesRemovedCgroupLosesTheSuffix()
    {
        var name = "gadget-deleted-" + Guid.NewGuid().ToString("N")[..12];
        var parent = Path.Combine(ProcessInspector.Cgroup2MountPoint, name);
        var live = Path.Combine(parent, "x (deleted)");
        var removed = Path.Combine(parent, "y");
        Directory.CreateDirectory(live);
        Directory.CreateDirectory(removed);
        Process? sleeper = null;
        Process? reaper = null;
        try
        {
            sleeper = Process.Start(new ProcessStartInfo("sh", ["-c", $"echo $$ > '{live}/cgroup.procs' && exec sleep 60"]))!;
            var deadline = Stopwatch.StartNew();
            while (ProcessInspector.GetCgroup2Path(sleeper.Id) != $"/{name}/x (deleted)" && deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(50);
            }
            Assert.Equal($"/{name}/x (deleted)", ProcessInspector.GetCgroup2Path(sleeper.Id));

            // A child that joins y and exits; its parent becomes sleep (exec), which never reaps it: a zombie in y.
            reaper = Process.Start(new ProcessStartInfo("sh", ["-c", $"sh -c 'echo $$ > {removed}/cgroup.procs' & echo $!; exec sleep 60"]) { RedirectStandardOutput = true })!;
            var zombie = int.Parse(reaper.StandardOutput.ReadLine()!, System.Globalization.CultureInfo.InvariantCulture);
            deadline.Restart();
            while (!(File.ReadAllText($"/proc/{zombie}/stat").Split(' ')[2] == "Z" && ProcessInspector.GetCgroup2Path(zombie) == $"/{name}/y") && deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(50);
            }
            Assert.Equal($"/{name}/y", ProcessInspector.GetCgroup2Path(zombie));
            Directory.Delete(removed);
            Assert.Contains($"0::/{name}/y (deleted)", File.ReadAllText($"/proc/{zombie}/cgroup"), StringComparison.Ordinal);
            Assert.Equal($"/{name}/y", ProcessInspector.GetCgroup2Path(zombie));
        }
        finally
        {
            foreach (var process in new[] { sleeper, reaper })
            {
                if (process is not null)
                {
                    process.Kill();
                    process.WaitForExit();
                    process.Dispose();
                }
            }
            foreach (var directory in new[] { live, removed, parent })
            {
                for (var attempt = 0; Directory.Exists(directory) && attempt < 50; attempt++)
                {
                    try
                    {
                        Directory.Delete(directory);
                    }
                    catch (IOException)
                    {
                        Thread.Sleep(100); // the killed process leaves its cgroup a moment later
                    }
                }
            }
        }
    }
}
