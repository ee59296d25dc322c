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

        var compared = StraceComparison.AssertSame(recorded, traced, output);
        output.WriteLine($"{compared} values compared");
        Assert.True(compared > 10, $"only {compared} values compared");
    }
}
