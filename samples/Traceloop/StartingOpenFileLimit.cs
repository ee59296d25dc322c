using System.Globalization;

namespace Traceloop;

/// <summary>
/// The soft open-file limit (<c>RLIMIT_NOFILE</c>) traceloop was started with, for the command it runs: the .NET runtime
/// raises its own soft limit to the hard one as it starts (CoreCLR does, and records nothing of the old one; NativeAOT
/// does not), and a command started from traceloop inherited the raised one, where strace or the shell would have left it
/// as it was (<c>prlimit --nofile=1024:4096</c>: 4096 instead of 1024).
/// </summary>
/// <remarks>
/// The limit is taken from traceloop's parent (<c>/proc/PPID/limits</c>), which it inherited its limits from: when
/// traceloop's soft limit equals its hard one, the parent's hard limit is the same and its soft one is lower, that lower
/// one is the command's. In every other case the command inherits traceloop's limit as before: a soft limit that was
/// below the hard one (nothing raised it), or a parent whose limits are not the ones traceloop started with (a launcher
/// that set them and exec'd traceloop, such as <c>prlimit</c> or <c>sudo</c>; a parent that is gone). A launcher that
/// set the soft limit to the hard one while the parent's was lower, with the same hard limit, is taken for the runtime.
/// </remarks>
internal static class StartingOpenFileLimit
{
    private static ulong? s_forCommand;

    /// <summary>The soft limit to give the command; <c>null</c>: it inherits traceloop's (see the remarks).</summary>
    internal static ulong? ForCommand => s_forCommand;

    /// <summary>Reads traceloop's and its parent's limits: at the process's start, before the parent can be gone.</summary>
    internal static void Capture()
    {
        try
        {
            if (ParentProcessId() is { } parent
                && Read("/proc/self/limits") is { } own
                && Read($"/proc/{parent.ToString(CultureInfo.InvariantCulture)}/limits") is { } parents
                && own.Soft == own.Hard && parents.Hard == own.Hard && parents.Soft < own.Soft)
            {
                s_forCommand = parents.Soft;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No /proc, or the parent is gone: the command inherits traceloop's limit.
        }
    }

    private static int? ParentProcessId()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("PPid:", StringComparison.Ordinal))
            {
                return int.TryParse(line.AsSpan(5).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
            }
        }
        return null;
    }

    /// <summary>The "Max open files" line of a <c>limits</c> file: soft and hard (<see cref="ulong.MaxValue"/>: unlimited).</summary>
    private static (ulong Soft, ulong Hard)? Read(string path)
    {
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("Max open files ", StringComparison.Ordinal))
            {
                var fields = line["Max open files ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length >= 2 && Value(fields[0]) is { } soft && Value(fields[1]) is { } hard ? (soft, hard) : null;
            }
        }
        return null;
    }

    private static ulong? Value(string text) =>
        text == "unlimited" ? ulong.MaxValue
        : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
        : null;
}
