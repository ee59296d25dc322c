using System.Globalization;

namespace Gadget.Traceloop;

/// <summary>
/// The soft open-file limit (<c>RLIMIT_NOFILE</c>) this process was started with, for the commands it runs
/// (<see cref="TracedCommand.StartingOpenFileSoftLimit"/>): the .NET runtime raises its own soft limit to the hard one as it
/// starts (CoreCLR does, and records nothing of the old one; NativeAOT does not), and a command started from this process
/// inherits the raised one, where strace or a shell would have left it as it was (<c>prlimit --nofile=1024:4096</c>: 4096
/// instead of 1024).
/// </summary>
/// <remarks>
/// The limit is taken from this process's parent (<c>/proc/PPID/limits</c>), which it inherited its limits from: when this
/// process's soft limit equals its hard one, the parent's hard limit is the same and its soft one is lower, that lower one
/// is the command's. In every other case the command inherits this process's limit as before: a soft limit that was below
/// the hard one (nothing raised it), or a parent whose limits are not the ones this process started with (a launcher that
/// set them and exec'd it, such as <c>prlimit</c> or <c>sudo</c>; a service manager such as systemd, whose own limits are
/// not its services'; a parent that is gone). A launcher that set the soft limit to the hard one while the parent's was
/// lower, with the same hard limit, is taken for the runtime.
/// </remarks>
internal static class StartingOpenFileLimit
{
    private static readonly Lazy<ulong?> Captured = new(Capture);

    /// <summary>The soft limit to give a command; <c>null</c>: it inherits this process's (see the remarks). Read once, at the
    /// first call, from the parent this process has then.</summary>
    internal static ulong? Soft => Captured.Value;

    /// <summary>The starting soft limit, from this process's (<paramref name="own"/>) and its parent's limits; null when they do
    /// not tell it (see the remarks).</summary>
    internal static ulong? From((ulong Soft, ulong Hard) own, (ulong Soft, ulong Hard)? parent) =>
        parent is { } p && own.Soft == own.Hard && p.Hard == own.Hard && p.Soft < own.Soft ? p.Soft : null;

    private static ulong? Capture()
    {
        try
        {
            return ParentProcessId() is { } parent && Read("/proc/self/limits") is { } own
                ? From(own, Read($"/proc/{parent.ToString(CultureInfo.InvariantCulture)}/limits"))
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // no /proc, or the parent is gone: the command inherits this process's limit
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
