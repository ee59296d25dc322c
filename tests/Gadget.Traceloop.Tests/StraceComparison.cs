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
    /// After the successful execve of <paramref name="executable"/> (in that process), both must have the same syscalls in the
    /// same order, with the same return values (except pids) and the same decimal arguments and captured strings and buffers
    /// where strace printed them. When traceloop's history has no such execve (a container's ring is created while its first
    /// process is held inside that execve), it is compared from its first process's first syscall. Returns how many values were compared.
    /// </summary>
    internal static int AssertSame(IReadOnlyList<SyscallRecord> traceloop, IReadOnlyList<StraceLine> strace, string executable, ITestOutputHelper output)
    {
        var exec = strace.First(l => l.Number == ExecveNumber && l.ReturnValue == 0 && l.Arguments[0] == $"\"{executable}\"");
        var fromStrace = strace.Where(l => l.Pid == exec.Pid).SkipWhile(l => l != exec).Skip(1).ToList();
        var recordedExec = traceloop.FirstOrDefault(r => r.Number == ExecveNumber && r.ReturnValue == 0
            && r.Captured.FirstOrDefault(c => c.Index == 0).Data.Span.SequenceEqual(System.Text.Encoding.UTF8.GetBytes(executable)));
        var fromTraceloop = recordedExec is null
            ? traceloop.Where(r => r.ProcessId == traceloop[0].ProcessId).ToList()
            : traceloop.Where(r => r.ProcessId == recordedExec.ProcessId).SkipWhile(r => r != recordedExec).Skip(1).ToList();

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
                    if (Array.IndexOf(expected, (byte)0) < 0 && Array.IndexOf(actual, (byte)0) == expected.Length)
                    {
                        // A fixed-size buffer holding a NUL-terminated string (prctl's task name): strace shows the string.
                        actual = actual[..expected.Length];
                    }
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
