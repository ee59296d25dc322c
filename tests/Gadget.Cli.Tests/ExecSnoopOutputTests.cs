using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Gadget.Cli.Tests;

/// <summary>
/// <c>gadgets execsnoop</c> writes columns and JSON lines straight from the ring buffer's records (ExecEventWriter),
/// and everything else (a <c>--filter</c>, YAML) through ExecEvent objects and the shared EventWriter. Both tools run
/// side by side here (the second with a filter that keeps every event, which takes the other path) and see the same
/// real execs: what they print for them is the same, byte for byte, apart from the time (each process converts the
/// kernel's boot-time clock with its own reading of the wall clock).
/// </summary>
[Collection(KernelCollection.Name)]
public sealed partial class ExecSnoopOutputTests
{
    [Theory]
    [InlineData("columns", "pid,tid,ppid,uid,gid,comm,pcomm,ret,args,truncated,container")]
    [InlineData("columns", null)]
    [InlineData("json", null)]
    public async Task InPlaceOutputIsWhatTheEventWriterPrints(string format, string? fields)
    {
        var marker = "gadget-out-" + Guid.NewGuid().ToString("N")[..10];
        string[] arguments = ["execsnoop", "--host", "-o", format, .. fields is null ? Array.Empty<string>() : ["--fields", fields]];
        using var inPlace = new RunningTool(Tool.Gadgets, arguments);
        using var throughEvents = new RunningTool(Tool.Gadgets, [.. arguments, "--filter", "pid!=0"]);
        await inPlace.WaitReadyAsync();
        await throughEvents.WaitReadyAsync();

        // Non-ASCII text, an argument the kernel cuts, spaces at the end, and a failed exec (ENOENT) from a shell.
        void Trigger()
        {
            using (var echo = Process.Start(new ProcessStartInfo("/bin/echo", [marker, "héllo wörld", new string('x', 200), "  end  "]) { RedirectStandardOutput = true }))
            {
                echo!.WaitForExit();
            }
            using var shell = Process.Start("/bin/sh", ["-c", $"/nonexistent-{marker} arg 2>/dev/null; exit 0"]);
            shell.WaitForExit();
        }
        bool Failed(string line) => line.Contains("/nonexistent-" + marker, StringComparison.Ordinal) && !line.Contains("/bin/sh", StringComparison.Ordinal);
        await inPlace.TriggerUntilAsync(Trigger, Failed);
        await throughEvents.TriggerUntilAsync(() => { }, Failed);
        await inPlace.InterruptExpectingSuccessAsync();
        await throughEvents.InterruptExpectingSuccessAsync();

        var expected = Ours(throughEvents.Lines, marker, format);
        var actual = Ours(inPlace.Lines, marker, format);
        Assert.True(expected.Length >= 3, string.Join('\n', throughEvents.Lines));
        Assert.Equal(expected, actual);
        if (format == "columns")
        {
            // The header too.
            Assert.Equal(throughEvents.Lines[0], inPlace.Lines[0]);
        }
    }

    private static string[] Ours(string[] lines, string marker, string format) =>
    [
        .. lines.Where(l => l.Contains(marker, StringComparison.Ordinal))
            .Select(l => format == "json" ? JsonTime().Replace(l, "") : ColumnsTime().Replace(l, "")),
    ];

    [GeneratedRegex("\"timestamp\":\"[^\"]*\",\"timestampBoot\":[0-9]+,")]
    private static partial Regex JsonTime();

    [GeneratedRegex("^[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} ")]
    private static partial Regex ColumnsTime();
}
