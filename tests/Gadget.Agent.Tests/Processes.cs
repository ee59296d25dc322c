using System.Diagnostics;

namespace Gadget.Agent.Tests;

/// <summary>Running commands: as root (kill, groupadd) or as an unprivileged user through <c>setpriv</c>.</summary>
internal static class Processes
{
    /// <summary>An unused uid and gid (nobody/nogroup on Debian).</summary>
    public const int Nobody = 65534;

    /// <summary>Another unprivileged uid with no account.</summary>
    public const int Stranger = 65533;

    /// <summary>The client apphost built next to the tests.</summary>
    public static string Client => Path.Combine(AppContext.BaseDirectory, "gadget");

    public static void Signal(int pid, string signal) => Run("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

    public static void Chmod(string mode, string path) => Assert.Equal(0, Run("chmod", [mode, path]).ExitCode);

    /// <summary><c>stat</c>'s view of a path: "TYPE MODE UID GID" (e.g. "socket 600 0 0").</summary>
    public static string Stat(string path) => Run("stat", ["-c", "%F %a %u %g", path]).Output.Trim();

    /// <summary>Runs a command to its exit; returns exit code, stdout and stderr.</summary>
    public static (int ExitCode, string Output, string Error) Run(string file, IEnumerable<string> args, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in args)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["HOME"] = "/nonexistent";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not exit");
        }
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Runs the <c>gadget</c> client as <paramref name="uid"/> (gid the same, with only <paramref name="groups"/>).</summary>
    public static (int ExitCode, string Output, string Error) ClientAs(int uid, IReadOnlyList<int> groups, params string[] args)
    {
        var groupFlag = groups.Count == 0 ? "--clear-groups" : "--groups=" + string.Join(',', groups);
        return Run("setpriv", [$"--reuid={uid}", $"--regid={uid}", groupFlag, Client, .. args]);
    }
}
