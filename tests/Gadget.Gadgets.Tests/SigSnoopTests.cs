using Gadget.Containers.Tests;
using System.Diagnostics;
using Gadget.Containers;

namespace Gadget.Gadgets.Tests;

[Collection("gadgets")]
public sealed class SigSnoopTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("TERM", 15)]
    [InlineData("KILL", 9)]
    public async Task SignalFromAnotherProcessIsReported(string signal, int number)
    {
        await using var snoop = SigSnoop.Start(new GadgetOptions());
        await using var events = new EventCollector<SignalEvent>(snoop.ReadAsync());
        using var victim = Process.Start(new ProcessStartInfo("/bin/sleep", "30") { UseShellExecute = false })!;
        try
        {
            var (killer, exitCode) = Processes.Run("/bin/kill", "-" + signal, victim.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(0, exitCode);
            Assert.True(victim.WaitForExit(10_000));

            var sent = await events.WaitForAsync(e => e.TargetPid == victim.Id && e.Signal == number, Timeout);
            Assert.NotNull(sent);
            Assert.Equal(killer, sent.SenderPid);
            Assert.Equal("kill", sent.SenderComm);
            Assert.Equal("sleep", sent.TargetComm);
            Assert.Equal("SIG" + signal, sent.SignalName);
            Assert.True(sent.ToThreadGroup);
            Assert.Equal(SignalResult.Delivered, sent.Result);
            Assert.Null(sent.Container);
            // The parent (this process) hears about the death: SIGCHLD from the kernel on behalf of the dying child.
            var child = await events.WaitForAsync(e => e.TargetPid == Environment.ProcessId && e.Signal == 17 && e.SenderPid == victim.Id, Timeout);
            Assert.NotNull(child);
        }
        finally
        {
            if (!victim.HasExited)
            {
                victim.Kill();
            }
        }
    }

    [Fact]
    public async Task SignalToSelectedContainerIsReported_OthersStayInTheKernel()
    {
        await using var containers = new ContainerCollection();
        var selectedId = RuncContainer.NewId("sig-sel");
        var otherId = RuncContainer.NewId("sig-other");
        await using var snoop = SigSnoop.Start(new GadgetOptions { Containers = containers, Selector = new ContainerSelector { IdPrefix = selectedId } });
        await using var events = new EventCollector<SignalEvent>(snoop.ReadAsync());
        using var selected = RuncContainer.Create(selectedId, ["sleep", "30"]);
        using var other = RuncContainer.Create(otherId, ["sleep", "30"]);
        using var host = Process.Start(new ProcessStartInfo("/bin/sleep", "30") { UseShellExecute = false })!;
        var selectedPid = selected.Pid;
        var otherPid = other.Pid;
        Assert.NotNull(await containers.WaitForContainerAsync(c => c.Id == selectedId, Timeout));
        Assert.NotNull(await containers.WaitForContainerAsync(c => c.Id == otherId, Timeout));

        selected.Kill("KILL");
        other.Kill("KILL");
        host.Kill();
        Assert.True(selected.WaitStopped(Timeout));
        Assert.True(other.WaitStopped(Timeout));
        Assert.True(host.WaitForExit(10_000));

        var killed = await events.WaitForAsync(e => e.TargetPid == selectedPid && e.Signal == 9, Timeout);
        await Task.Delay(300);
        Assert.NotNull(killed);
        Assert.Equal(selectedId, killed.TargetContainer?.Id);
        Assert.Equal("runc", killed.SenderComm);
        Assert.Null(killed.SenderContainer);
        Assert.Equal(SignalResult.Delivered, killed.Result);
        var all = events.Snapshot();
        Assert.DoesNotContain(all, e => e.TargetPid == otherPid || e.SenderPid == otherPid);
        Assert.DoesNotContain(all, e => e.TargetPid == host.Id);
        Assert.All(all, e => Assert.True(e.TargetContainer?.Id == selectedId || e.SenderContainer?.Id == selectedId, $"{e}"));
    }
}
