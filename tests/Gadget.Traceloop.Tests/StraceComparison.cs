using System.Globalization;
using Xunit.Abstractions;

namespace Gadget.Traceloop.Tests;

/// <summary>Compares what traceloop recorded with what strace printed for two runs of the same deterministic program.</summary>
internal static class StraceComparison
{
    /// <summary>Syscalls whose return value is a pid or tid (differs between runs).</summary>
    private static readonly HashSet<int> PidReturning = [39, 56, 57, 58, 61, 110, 186, 218, 435];

    /// <summary>Syscalls whose buffers differ between runs (random bytes).</summary>
    private static readonly HashSet<int> RandomContent = [318];

    private const int ExecveNumber = 59;

    /// <summary>
    /// From the successful execve on (in the main process), both must have the same syscalls in the same order, with the same
    /// return values (except pids) and the same decimal arguments and captured strings and buffers where strace printed them.
    /// Returns how many argument values were compared.
    /// </summary>
    internal static int AssertSame(IReadOnlyList<SyscallRecord> traceloop, IReadOnlyList<StraceLine> strace, ITestOutputHelper output)
    {
        var straceMain = strace.Where(l => l.Pid == strace[0].Pid).ToList();
        var fromStrace = straceMain.SkipWhile(l => !(l.Number == ExecveNumber && l.ReturnValue == 0)).ToList();
        var mainPid = traceloop.First(r => r.Number == ExecveNumber && r.ReturnValue == 0).ProcessId;
        var fromTraceloop = traceloop.Where(r => r.ProcessId == mainPid).SkipWhile(r => !(r.Number == ExecveNumber && r.ReturnValue == 0)).ToList();

        foreach (var line in fromStrace)
        {
            output.WriteLine($"strace: [{line.Number}] {line.Name}({string.Join(", ", line.Arguments)}) = {line.Return}");
        }
        foreach (var r in fromTraceloop)
        {
            output.WriteLine($"traceloop: [{r.Number}] ({string.Join(", ", r.Arguments.Select(a => a.ToString("x")))}) = {r.ReturnValue?.ToString() ?? "?"} captured {r.Captured.Count}");
        }

        Assert.NotEmpty(fromStrace);
        Assert.Equal(fromStrace.Select(l => l.Number), fromTraceloop.Select(r => r.Number));
        var compared = 0;
        for (var i = 0; i < fromStrace.Count; i++)
        {
            var s = fromStrace[i];
            var t = fromTraceloop[i];
            var where = $"syscall #{i} {s.Name}";
            if (s.ReturnValue is { } ret && !PidReturning.Contains(s.Number))
            {
                Assert.True(t.ReturnValue == ret, $"{where}: strace says = {s.Return}, traceloop says = {t.ReturnValue}");
                compared++;
            }
            if (s.Return == "?")
            {
                Assert.Null(t.ReturnValue);
            }
            for (var a = 0; a < Math.Min(6, s.Arguments.Count); a++)
            {
                var token = s.Arguments[a];
                if (TryParseDecimal(token, out var number))
                {
                    var raw = t.Arguments[a];
                    Assert.True((long)raw == number || (int)raw == number || (uint)raw == number,
                        $"{where} argument {a}: strace says {token}, traceloop has 0x{raw:x}");
                    compared++;
                }
                else if (token == "NULL")
                {
                    Assert.Equal(0UL, t.Arguments[a]);
                    compared++;
                }
                else if (StraceLine.UnquoteString(token) is { } expected && !RandomContent.Contains(s.Number)
                         && t.Captured.FirstOrDefault(c => c.Index == a) is { Data.IsEmpty: false } captured)
                {
                    var actual = captured.Data.ToArray();
                    if (captured.Status == CaptureStatus.Truncated)
                    {
                        Assert.True(actual.Length <= expected.Length, $"{where} argument {a}: truncated capture longer than strace's");
                        expected = expected[..actual.Length];
                    }
                    Assert.True(expected.AsSpan().SequenceEqual(actual),
                        $"{where} argument {a}: strace says {token}, traceloop captured \"{System.Text.Encoding.Latin1.GetString(actual)}\" ({captured.Status})");
                    compared++;
                }
            }
        }
        return compared;
    }

    private static bool TryParseDecimal(string token, out long value) =>
        long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}
