using System.Text.Json.Nodes;
using Gadget.Containers;
using Gadget.Containers.Tests;
using Xunit.Abstractions;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// A seccomp profile written from what traceloop recorded in a real runc container: the same program runs again under it,
/// and a syscall the program never made is refused.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class SeccompProfileAdvisorTests(ITestOutputHelper output)
{
    private const string Workload = "cat /proc/version > /dev/null; ls / > /dev/null; echo done";

    [Fact]
    public async Task TheRecordedProgramRunsUnderItsProfileAndAnUnrecordedSyscallIsRefused()
    {
        var prefix = RuncContainer.NewId("tl-seccomp");
        SeccompProfile profile;
        await using (var tracer = TraceloopTracer.Start())
        using (var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = Timeout.InfiniteTimeSpan }))
        using (var recorder = tracer.Follow(collection, new ContainerSelector { IdPrefix = prefix }))
        {
            using var learned = RuncContainer.Create(prefix + "-learn", ["sh", "-c", Workload]);
            Assert.True(learned.WaitStopped(TimeSpan.FromSeconds(20)), "the recorded container did not finish");
            Assert.Contains("done", learned.Output, StringComparison.Ordinal);
            await Task.Delay(300); // the exit event
            var history = recorder.Dump(learned.Id);
            Assert.NotEmpty(history);
            profile = SeccompProfileAdvisor.Create(history);
            // Everything the container was seen making is allowed, and the profile holds more than the runtime's own needs.
            var table = Gadget.Traceloop.Decoding.SyscallTable.Current;
            var recorded = history.Where(r => r.Number >= 0).Select(r => table.GetName(r.Number)).OfType<string>().ToHashSet();
            Assert.Subset(profile.AllowedSyscalls.ToHashSet(), recorded);
            Assert.NotEmpty(recorded.Except(SeccompProfileOptions.RuntimeSyscalls));
        }
        output.WriteLine(profile.ToJson());
        Assert.Contains("openat", profile.AllowedSyscalls);
        Assert.DoesNotContain("mkdir", profile.AllowedSyscalls);
        Assert.DoesNotContain("mkdirat", profile.AllowedSyscalls);

        // The same program, confined to the profile, still works.
        using (var confined = RuncContainer.Create(RuncContainer.NewId("tl-seccomp-ok"), ["sh", "-c", Workload], configure: Confine(profile)))
        {
            Assert.True(confined.WaitStopped(TimeSpan.FromSeconds(20)), "the confined container did not finish");
            output.WriteLine(confined.Output);
            Assert.Contains("done", confined.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Operation not permitted", confined.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("can't", confined.Output, StringComparison.Ordinal);
        }

        // A syscall it never made is refused with EPERM (without the profile, mkdir on the read-only rootfs fails with EROFS).
        using var refused = RuncContainer.Create(RuncContainer.NewId("tl-seccomp-no"), ["sh", "-c", Workload + "; mkdir /gadget-test"], configure: Confine(profile));
        Assert.True(refused.WaitStopped(TimeSpan.FromSeconds(20)), "the refused container did not finish");
        output.WriteLine(refused.Output);
        Assert.Contains("done", refused.Output, StringComparison.Ordinal);
        Assert.Contains("Operation not permitted", refused.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void AHistoryThatLostSyscallsHasNoProfile()
    {
        SyscallRecord[] one = [new() { TimestampNs = 10, Cpu = 0, ProcessId = 1, ThreadId = 1, Command = "x", Number = 39, Arguments = new ulong[6] }];
        var wrapped = new SyscallHistory(one, [], recordingSinceNs: 1, completeSinceNs: 9, overwrittenPerCpu: [120, 0], missedBeforeRecording: 0, notWritten: 0);
        var e = Assert.Throws<InvalidOperationException>(() => SeccompProfileAdvisor.Create(wrapped));
        Assert.Contains("120 older syscalls were overwritten", e.Message, StringComparison.Ordinal);
        Assert.Contains("larger ring", e.Message, StringComparison.Ordinal);
        var complete = new SyscallHistory(one, [], recordingSinceNs: 1, completeSinceNs: 1, overwrittenPerCpu: [0, 0], missedBeforeRecording: 0, notWritten: 0);
        Assert.Contains("getpid", SeccompProfileAdvisor.Create(complete).ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyHistoryHasNoProfile() =>
        Assert.Throws<ArgumentException>(() => SeccompProfileAdvisor.Create([]));

    private static Action<JsonObject> Confine(SeccompProfile profile) =>
        config => config["linux"]!.AsObject()["seccomp"] = profile.ToJsonObject();
}
