using System.Diagnostics;
using Gadget.Containers;
using Gadget.Containers.Tests;
using Xunit.Abstractions;

namespace Gadget.Traceloop.Tests;

/// <summary>traceloop and strace watch the same deterministic programs: they must agree syscall for syscall.</summary>
[Collection(KernelCollection.Name)]
public sealed class TraceloopStraceTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"traceloop-test-{Guid.NewGuid():N}.txt");

    public void Dispose() => File.Delete(_file);

    [Theory]
    [InlineData("cat", "FILE", "/nonexistent-traceloop")]
    [InlineData("head", "-c", "40", "FILE")]
    [InlineData("ls", "-d", "/etc", "/nonexistent-traceloop")]
    [InlineData("readlink", "/proc/self/exe")]
    public async Task SyscallsOfACommandAgreeWithStrace(params string[] applet)
    {
        File.WriteAllText(_file, "first line of the file\nsecond line, a bit longer than the first\n");
        string[] arguments = [.. applet.Select(a => a == "FILE" ? _file : a)];

        await using var tracer = TraceloopTracer.Start();
        List<SyscallRecord> recorded;
        await using (var command = TracedCommand.Start(tracer, "/bin/busybox", arguments, redirectOutput: true))
        {
            var stdout = command.Process.StandardOutput.ReadToEndAsync();
            var stderr = command.Process.StandardError.ReadToEndAsync();
            await command.WaitForExitAsync();
            await Task.WhenAll(stdout, stderr);
            recorded = [.. command.Dump()];
        }
        var traced = StraceLine.Run("/bin/busybox", arguments);

        var compared = StraceComparison.AssertSame(recorded, traced, "/bin/busybox", output);
        output.WriteLine($"{compared} values compared");
        Assert.True(compared > 10, $"only {compared} values compared");
    }

    [Fact]
    public async Task SyscallsOfAContainerAgreeWithStrace()
    {
        // The shell waits a second before it execs cat: should the early detection miss the container, the collection's
        // rescan still finds it before cat runs. The comparison starts after cat's execve.
        string[] command = ["sh", "-c", "sleep 1; exec /bin/cat /etc/hostname /nonexistent-traceloop"];
        var prefix = RuncContainer.NewId("tl-strace");

        // traceloop: a container followed from its start; it exits with 1, so its history is dumped automatically.
        IReadOnlyList<SyscallRecord> recorded;
        await using (var tracer = TraceloopTracer.Start())
        using (var collection = new ContainerCollection(new ContainerCollectionOptions { RescanInterval = Timeout.InfiniteTimeSpan }))
        using (var recorder = tracer.Follow(collection, new ContainerSelector { IdPrefix = prefix }))
        {
            var crashed = new TaskCompletionSource<IReadOnlyList<SyscallRecord>>(TaskCreationOptions.RunContinuationsAsynchronously);
            recorder.ContainerCrashed += (_, e) => crashed.TrySetResult(e.History);
            collection.ContainerRemoved += (_, e) => output.WriteLine($"removed {e.Container.Id} {e.Container.ExitStatus}");
            collection.ContainerAdded += (_, e) => output.WriteLine($"added {e.Container.Id}");
            using var container = RuncContainer.Create(prefix + "-a", command);
            recorded = await crashed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        // strace: the same container config, 'runc run' under strace -f, which follows runc into the container's process.
        List<StraceLine> traced;
        using (var template = RuncContainer.Create(prefix + "-b", command, start: false))
        {
            var bundle = template.Bundle;
            Run("runc", "delete", "-f", template.Id);
            traced = StraceLine.Run("runc", "run", "--bundle", bundle, prefix + "-c");
            Run("runc", "delete", "-f", prefix + "-c");
        }

        var compared = StraceComparison.AssertSame(recorded, traced, "/bin/cat", output);
        output.WriteLine($"{compared} values compared");
        Assert.True(compared > 10, $"only {compared} values compared");
    }

    private static void Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
    }
}
