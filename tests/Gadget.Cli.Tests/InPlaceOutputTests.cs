using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Gadget.Cli.Tests;

/// <summary>
/// <c>gadgets exitsnoop</c>, <c>sigsnoop</c> and <c>mountsnoop</c> write columns and JSON lines straight from the ring
/// buffer's records (ViewEventWriter), and with a <c>--filter</c> through event objects and the shared EventWriter. As
/// for execsnoop (<see cref="ExecSnoopOutputTests"/>), both run side by side here (the second with a filter that keeps
/// every event of ours) and see the same real events: what they print for them is the same, byte for byte, apart from
/// what each tool's BPF program measures itself: the time (and exitsnoop's age, the lifetime it reads at the exit).
/// </summary>
[Collection(KernelCollection.Name)]
public sealed partial class InPlaceOutputTests
{
    [Theory]
    [InlineData("columns", "pid,tid,ppid,uid,gid,comm,pcomm,code,sig,core,status,container,namespace,pod")]
    [InlineData("columns", null)]
    [InlineData("json", null)]
    public async Task ExitSnoopInPlaceIsWhatTheEventWriterPrints(string format, string? fields)
    {
        var pids = new ConcurrentBag<int>();
        void Exit(string script)
        {
            using var shell = Process.Start("/bin/sh", ["-c", script]);
            pids.Add(shell.Id);
            shell.WaitForExit();
        }
        await CompareAsync(["exitsnoop", "--host"], format, fields, () =>
        {
            Exit("exit 7");
            Exit("kill -KILL $$");
        }, line => pids.Any(pid => Mentions(line, pid, format)), line => line.Contains("SIGKILL", StringComparison.Ordinal), measuresAge: true);
    }

    [Theory]
    [InlineData("columns", "pid,tid,ppid,uid,gid,comm,pcomm,sig,tpid,tcomm,result,container,namespace,pod")]
    [InlineData("columns", null)]
    [InlineData("json", null)]
    public async Task SigSnoopInPlaceIsWhatTheEventWriterPrints(string format, string? fields)
    {
        var victims = new ConcurrentBag<int>();
        await CompareAsync(["sigsnoop", "--host"], format, fields, () =>
        {
            using var victim = Process.Start(new ProcessStartInfo("/bin/sleep", "30") { UseShellExecute = false })!;
            victims.Add(victim.Id);
            using (var kill = Process.Start("/bin/kill", ["-USR1", victim.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                kill.WaitForExit();
            }
            victim.WaitForExit();
        }, line => victims.Any(pid => Mentions(line, pid, format)), line => line.Contains("SIGUSR1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("columns", "pid,tid,ppid,uid,gid,comm,pcomm,call,src,target,fs,flags,data,error,result,container,namespace,pod")]
    [InlineData("columns", null)]
    [InlineData("json", null)]
    public async Task MountSnoopInPlaceIsWhatTheEventWriterPrints(string format, string? fields)
    {
        var marker = "gadget-inplace-" + Guid.NewGuid().ToString("N")[..8];
        void Mount(params string[] arguments)
        {
            using var mount = Process.Start(new ProcessStartInfo("unshare", ["-m", "--propagation", "private", "busybox", "mount", .. arguments]) { RedirectStandardError = true })!;
            mount.StandardError.ReadToEnd();
            mount.WaitForExit();
        }
        // A tmpfs with options, and a mount of a type that does not exist (ENODEV).
        await CompareAsync(["mountsnoop", "--host"], format, fields, () =>
        {
            Mount("-t", "tmpfs", "-o", "nosuid,nodev,size=1m", marker, "/mnt");
            Mount("-t", "nosuchfs" + marker[^4..], marker + "-bad", "/mnt");
        }, line => line.Contains(marker, StringComparison.Ordinal), line => line.Contains(marker + "-bad", StringComparison.Ordinal));
    }

    // Runs the tool twice (in place, and through event objects with --filter), triggers until the in-place one prints a
    // line `ours` and `last` recognize, waits for the other to print it too, and compares the lines `ours` recognizes.
    private static async Task CompareAsync(string[] command, string format, string? fields, Action trigger, Func<string, bool> ours, Func<string, bool> last, bool measuresAge = false)
    {
        string[] arguments = [.. command, "-o", format, .. fields is null ? Array.Empty<string>() : ["--fields", fields]];
        using var inPlace = new RunningTool(Tool.Gadgets, arguments);
        using var throughEvents = new RunningTool(Tool.Gadgets, [.. arguments, "--filter", "pid!=0"]);
        await inPlace.WaitReadyAsync();
        await throughEvents.WaitReadyAsync();
        bool Last(string line) => ours(line) && last(line);
        await inPlace.TriggerUntilAsync(trigger, Last);
        await throughEvents.WaitForLineAsync(Last);
        await inPlace.InterruptExpectingSuccessAsync();
        await throughEvents.InterruptExpectingSuccessAsync();

        var expected = Ours(throughEvents.Lines, ours, format, measuresAge && fields is null);
        var actual = Ours(inPlace.Lines, ours, format, measuresAge && fields is null);
        Assert.True(expected.Length >= 2, string.Join('\n', throughEvents.Lines));
        Assert.Equal(expected, actual);
        if (format == "columns")
        {
            Assert.Equal(throughEvents.Lines[0], inPlace.Lines[0]); // the header
        }
    }

    // The lines about the test's events, without what each tool's BPF program measured itself: the time, and
    // exitsnoop's age (the last column, when the fields are the default ones).
    private static string[] Ours(string[] lines, Func<string, bool> ours, string format, bool age) =>
    [
        .. lines.Where(ours).Select(l => format == "json"
            ? JsonAge().Replace(JsonTime().Replace(l, ""), "")
            : age ? ColumnsAge().Replace(ColumnsTime().Replace(l, ""), "") : ColumnsTime().Replace(l, "")),
    ];

    private static bool Mentions(string line, int pid, string format) => format == "json"
        ? line.Contains($":{pid},", StringComparison.Ordinal)
        : line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(pid.ToString(CultureInfo.InvariantCulture));

    [GeneratedRegex("\"timestamp\":\"[^\"]*\",\"timestampBoot\":[0-9]+,")]
    private static partial Regex JsonTime();

    [GeneratedRegex(",\"age\":[0-9.Ee+-]+")]
    private static partial Regex JsonAge();

    [GeneratedRegex("^[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} ")]
    private static partial Regex ColumnsTime();

    [GeneratedRegex(" +[0-9.Ee+-]+$")]
    private static partial Regex ColumnsAge();
}
