using System.Diagnostics;
using System.Globalization;

namespace Gadget.Gadgets.Tests;

/// <summary>What stat(1) says of a file: its inode, its device (st_dev) and size.</summary>
internal readonly record struct FileStat(ulong Inode, ulong Device, long Size)
{
    public static FileStat Of(string path)
    {
        var info = new ProcessStartInfo("stat", ["-L", "-c", "%i %d %s", path]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"stat {path} failed ({process.ExitCode})");
        }
        var parts = output.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new FileStat(ulong.Parse(parts[0], CultureInfo.InvariantCulture), ulong.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture));
    }
}
