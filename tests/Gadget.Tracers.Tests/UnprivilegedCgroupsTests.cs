using System.Diagnostics;
using Gadget.Containers;
using Gadget.Containers.Tests;
using Gadget.Traceloop;
using Gadget.Traceloop.Decoding;
using Xunit.Abstractions;

namespace Gadget.Tracers.Tests;

/// <summary>
/// Any user with a delegated cgroup subtree (on systemd machines every logged-in user has one: user@UID.service) can make
/// cgroups, as many as they like. traceloop gives every new cgroup a ring at its first syscall so that a container is
/// recorded from its execve; the cgroups an unprivileged user makes must not use up what the containers need.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class UnprivilegedCgroupsTests(ITestOutputHelper output)
{
    private const int Nobody = 65534;

    /// <summary>More than traceloop's table of known cgroups holds (16,384).</summary>
    private const int Flood = 17_000;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AUsersFloodOfCgroups_LeavesANewContainerRecordedFromItsExecve()
    {
        var id = RuncContainer.NewId("flood");
        await using var tracer = TraceloopTracer.Start(new TraceloopOptions());
        await using var collection = new ContainerCollection();
        using var recorder = tracer.Follow(collection, new ContainerSelector { IdPrefix = id });
        var delegated = Path.Combine(Cgroup2MountPoint(), $"gadget-delegated-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(delegated);
        try
        {
            Assert.Equal(0, HostCommand.Run("chown", $"{Nobody}:{Nobody}", delegated));
            var clock = Stopwatch.StartNew();
            Assert.Equal(0, HostCommand.Run("setpriv", "--reuid", $"{Nobody}", "--regid", $"{Nobody}", "--clear-groups", "sh", "-c",
                $"cd {delegated} && mkdir $(seq -f flood-%g 1 {Flood}) && ls | wc -l"));
            output.WriteLine($"{Flood} cgroups made by uid {Nobody} in {clock.Elapsed.TotalSeconds:F1} s");

            using var container = MarkerContainer.Start(id);
            var marker = MarkerContainer.MarkerPath(id);
            Assert.True(container.Pid > 0, $"{id} is not running: {container.Output}");
            var formatter = new SyscallFormatter();
            var deadline = DateTime.UtcNow + Timeout;
            SyscallHistory? history = null;
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    history = recorder.Dump(id);
                    if (history.Any(r => formatter.Format(r).Contains(marker, StringComparison.Ordinal)))
                    {
                        break;
                    }
                }
                catch (KeyNotFoundException)
                {
                }
                await Task.Delay(100);
            }
            Assert.NotNull(history);
            HistoryLine.AssertStartsWithExecveThenMarker([.. history.Select(r => HistoryLine.From(r, formatter))], container.Pid, marker, id);
            Assert.Equal(0UL, history.MissedBeforeRecording);
        }
        finally
        {
            HostCommand.Run("sh", "-c", $"cd {delegated} && rmdir flood-* ; cd / && rmdir {delegated}");
        }
    }

    /// <summary>Where cgroup2 is mounted: /sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid machine.</summary>
    private static string Cgroup2MountPoint() =>
        File.ReadLines("/proc/self/mounts").Select(l => l.Split(' ')).First(f => f.Length > 2 && f[2] == "cgroup2")[1];
}
