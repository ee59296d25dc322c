using System.Diagnostics;
using System.Runtime.InteropServices;
using Gadget.Bpf;

namespace Gadget.Traceloop;

/// <summary>
/// A command run in a fresh cgroup2 directory of its own, recorded by a <see cref="TraceloopTracer"/> from its
/// <c>execve</c> on: the ring exists before the command's first syscall.
/// </summary>
/// <remarks>
/// <para>The command is started as <c>/bin/sh -c 'echo $$ &gt; CGROUP/cgroup.procs &amp;&amp; exec "$@"' sh COMMAND ARGS...</c>: the
/// shell moves itself into the cgroup, then execs the command, so everything the command does is in the cgroup
/// (<c>ulimit -Sn N &amp;&amp;</c> before the <c>exec</c> sets <see cref="TracedCommandOptions.OpenFileSoftLimit"/>).
/// <see cref="Dump"/> drops what the shell did before that <c>execve</c>.</para>
/// <para><see cref="Start(TraceloopTracer, string, IEnumerable{string}, bool, int?)"/> does it all at once.
/// <see cref="Prepare"/> then <see cref="Start()"/> split it where a tool says it is ready: everything that can fail for
/// lack of privileges or memory (the cgroup, the ring) is done by <see cref="Prepare"/>, and <see cref="Start()"/> only
/// starts the process.</para>
/// </remarks>
public sealed class TracedCommand : IDisposable, IAsyncDisposable
{
    private const string CgroupPrefix = "traceloop-";
    private readonly TraceloopTracer _tracer;
    private readonly string _executable;
    private readonly string[] _arguments;
    private readonly TracedCommandOptions _options;
    private Process? _process;
    private bool _disposed;

    private TracedCommand(TraceloopTracer tracer, string cgroupPath, ulong cgroupId, string executable, string[] arguments, TracedCommandOptions options)
    {
        _tracer = tracer;
        CgroupPath = cgroupPath;
        CgroupId = cgroupId;
        _executable = executable;
        _arguments = arguments;
        _options = options;
    }

    /// <summary>The cgroup2 directory created for the command.</summary>
    public string CgroupPath { get; }

    /// <summary>Its cgroup id (the key of its ring).</summary>
    public ulong CgroupId { get; }

    /// <summary>The command's process id (the shell's, which becomes the command at <c>execve</c>).</summary>
    /// <exception cref="InvalidOperationException">The command has not been started (<see cref="Start()"/>).</exception>
    public int ProcessId => Started.Id;

    /// <summary>The process, e.g. to read its redirected output.</summary>
    /// <exception cref="InvalidOperationException">The command has not been started (<see cref="Start()"/>).</exception>
    public Process Process => Started;

    private Process Started => _process ?? throw new InvalidOperationException("The command has not been started: call Start() after Prepare().");

    /// <summary>
    /// The soft open-file limit (<c>RLIMIT_NOFILE</c>) this process was started with, for
    /// <see cref="TracedCommandOptions.OpenFileSoftLimit"/>, when it can be told: CoreCLR raised this process's soft limit to
    /// its hard one as it started, and the parent it inherited its limits from has the same hard limit and a lower soft one:
    /// that one. <c>null</c> otherwise (nothing raised the soft limit, as in a NativeAOT program; or the parent is not what
    /// this process's limits came from: a launcher that set them and exec'd it, such as <c>prlimit</c>; a service manager
    /// such as systemd; a parent that is gone): a command then inherits this process's soft limit. Read once, at the first
    /// call: read it early, while the parent is still the one that started this process.
    /// </summary>
    public static ulong? StartingOpenFileSoftLimit => Gadget.Traceloop.StartingOpenFileLimit.Soft;

    /// <summary>Creates a cgroup, gives it a ring in <paramref name="tracer"/>, and starts <paramref name="command"/> in it.</summary>
    /// <param name="tracer">The recorder.</param>
    /// <param name="command">The program (looked up in <c>PATH</c> by the shell's <c>exec</c>).</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="redirectOutput">Redirect standard output and error (read them from <see cref="Process"/>) instead of inheriting them.</param>
    /// <param name="pagesPerCpu">Ring size for this command; <c>null</c> for the tracer's default.</param>
    public static TracedCommand Start(TraceloopTracer tracer, string command, IEnumerable<string> arguments, bool redirectOutput = false, int? pagesPerCpu = null)
    {
        var prepared = Prepare(tracer, command, arguments, new TracedCommandOptions { RedirectOutput = redirectOutput, PagesPerCpu = pagesPerCpu });
        try
        {
            prepared.Start();
        }
        catch
        {
            prepared.Dispose();
            throw;
        }
        return prepared;
    }

    /// <summary>
    /// Creates a cgroup and gives it a ring in <paramref name="tracer"/>, recording, for <paramref name="command"/>, which
    /// <see cref="Start()"/> then starts in it. What can fail for lack of privileges or memory fails here: a tool can say it
    /// is ready between the two. Dispose it (which frees the ring and removes the cgroup) whether it was started or not.
    /// </summary>
    /// <param name="tracer">The recorder.</param>
    /// <param name="command">The program (looked up in <c>PATH</c> by the shell's <c>exec</c>).</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="options">How to run it; <c>null</c> for the defaults.</param>
    /// <exception cref="Gadget.Bpf.BpfPermissionException">The cgroup may not be made (CAP_DAC_OVERRIDE), or the ring's memory
    /// is refused (CAP_IPC_LOCK, <c>kernel.perf_event_mlock_kb</c>, <c>ulimit -l</c>): the message says which.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="TracedCommandOptions.OpenFileSoftLimit"/> is above this process's
    /// hard limit.</exception>
    public static TracedCommand Prepare(TraceloopTracer tracer, string command, IEnumerable<string> arguments, TracedCommandOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tracer);
        ArgumentException.ThrowIfNullOrEmpty(command);
        ArgumentNullException.ThrowIfNull(arguments);
        options ??= new TracedCommandOptions();
        if (options.OpenFileSoftLimit is { } soft && soft > HardOpenFileLimit())
        {
            throw new ArgumentOutOfRangeException(nameof(options), soft,
                $"OpenFileSoftLimit is above this process's hard open-file limit ({HardOpenFileLimit()}), which the command inherits.");
        }
        var argumentList = arguments.ToArray();
        RemoveAbandonedCgroups();
        var path = Path.Combine(Gadget.Traceloop.CgroupId.Cgroup2Root, $"{CgroupPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (UnauthorizedAccessException e)
        {
            throw CgroupDenied(path, e);
        }
        try
        {
            var id = Gadget.Traceloop.CgroupId.FromPath(path);
            var exitTimestamps = options.ExitTimestamps ?? tracer.ExitTimestamps;
            tracer.AddCgroup(id, options.PagesPerCpu, exitTimestamps);
            return new TracedCommand(tracer, path, id, ResolveExecutable(command), argumentList, new TracedCommandOptions
            {
                RedirectOutput = options.RedirectOutput,
                PagesPerCpu = options.PagesPerCpu,
                ExitTimestamps = exitTimestamps,
                OpenFileSoftLimit = options.OpenFileSoftLimit,
            });
        }
        catch
        {
            TryRemoveDirectory(path);
            throw;
        }
    }

    /// <summary>Starts the command prepared by <see cref="Prepare"/> in its cgroup, recorded from its <c>execve</c> on.</summary>
    /// <exception cref="InvalidOperationException">It was started already.</exception>
    /// <exception cref="ObjectDisposedException">It was disposed.</exception>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_process is not null)
        {
            throw new InvalidOperationException("The command was started already.");
        }
        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardOutput = _options.RedirectOutput,
            RedirectStandardError = _options.RedirectOutput,
        };
        start.ArgumentList.Add("-c");
        // The limit after the redirection, which needs a descriptor or two of the shell's (a low limit would refuse them).
        var limit = _options.OpenFileSoftLimit switch
        {
            null => "",
            ulong.MaxValue => "ulimit -Sn unlimited && ",
            { } soft => $"ulimit -Sn {soft.ToString(System.Globalization.CultureInfo.InvariantCulture)} && ",
        };
        start.ArgumentList.Add($"echo $$ > '{CgroupPath}/cgroup.procs' && {limit}exec \"$@\"");
        start.ArgumentList.Add("sh");
        start.ArgumentList.Add(_executable);
        foreach (var argument in _arguments)
        {
            start.ArgumentList.Add(argument);
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("/bin/sh did not start.");
    }

    /// <summary>Waits for the command to exit and returns its exit code (128 + signal number when a signal killed it, as a
    /// shell says; <see cref="GetExitStatus"/> tells the two apart).</summary>
    /// <exception cref="InvalidOperationException">The command has not been started (<see cref="Start()"/>).</exception>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken = default)
    {
        var process = Started;
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return process.ExitCode;
    }

    /// <summary>
    /// Sends <paramref name="signal"/> to the command's process, as a shell or <c>timeout</c> passes a signal on to the
    /// program it runs (a signal sent to the tracing program alone does not reach the command); nothing once it has exited.
    /// </summary>
    /// <param name="signal">A <see cref="PosixSignal"/>, or a Linux signal number cast to one.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="signal"/> is not a signal of this system.</exception>
    /// <exception cref="InvalidOperationException">The command has not been started (<see cref="Start()"/>).</exception>
    public void Signal(PosixSignal signal)
    {
        var number = signal switch
        {
            PosixSignal.SIGHUP => 1,
            PosixSignal.SIGINT => 2,
            PosixSignal.SIGQUIT => 3,
            PosixSignal.SIGTERM => 15,
            PosixSignal.SIGCHLD => 17,
            PosixSignal.SIGCONT => 18,
            PosixSignal.SIGTSTP => 20,
            PosixSignal.SIGTTIN => 21,
            PosixSignal.SIGTTOU => 22,
            PosixSignal.SIGWINCH => 28,
            _ when (int)signal is > 0 and <= LinuxSignals.Max => (int)signal,
            _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "not a signal of this system"),
        };
        if (_disposed)
        {
            return;
        }
        var process = Started;
        if (process.HasExited)
        {
            return;
        }
        // The process is this program's child and not reaped while HasExited is false: its pid is still its own.
        if (Libc.kill(process.Id, number) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != LinuxErrno.ESRCH)
        {
            throw new InvalidOperationException($"kill({process.Id}, {LinuxSignals.Name(number)}) failed: {LinuxErrno.Name(errno)} ({LinuxErrno.Description(errno)})");
        }
    }

    /// <summary>
    /// How the command's process ended, as the kernel reported it into the ring (exit code, or the signal and whether it
    /// dumped core: <c>exit(139)</c> and a SIGSEGV are not the same here); <c>null</c> before <see cref="Start()"/>, while it
    /// runs, or when the ring no longer holds its exit.
    /// </summary>
    public Gadget.Containers.ContainerExitStatus? GetExitStatus() => _process is { } process
        ? _tracer.Dump(CgroupId).ProcessExits.LastOrDefault(e => e.ProcessId == process.Id)?.Status
        : null;

    /// <summary>The command's syscalls from its <c>execve</c> on (everything, if that <c>execve</c> was overwritten), the
    /// processes that ended, and what the ring does not hold.</summary>
    /// <exception cref="InvalidOperationException">The command has not been started (<see cref="Start()"/>).</exception>
    public SyscallHistory Dump() => _tracer.Dump(CgroupId).FromFirstExec(Started.Id);

    /// <summary>Frees the ring and removes the cgroup (kills what is left in it); a command never started leaves nothing either.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _tracer.RemoveCgroup(CgroupId, _options.ExitTimestamps ?? _tracer.ExitTimestamps);
        if (_process is null)
        {
            TryRemoveDirectory(CgroupPath);
            return;
        }
        if (!_process.HasExited)
        {
            try
            {
                File.WriteAllText(Path.Combine(CgroupPath, "cgroup.kill"), "1");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                KillEachProcess(); // no cgroup.kill before Linux 5.14
            }
            _process.WaitForExit(5000);
        }
        _process.Dispose();
        TryRemoveDirectory(CgroupPath);
    }

    private void KillEachProcess()
    {
        try
        {
            foreach (var line in File.ReadAllLines(Path.Combine(CgroupPath, "cgroup.procs")))
            {
                if (int.TryParse(line, System.Globalization.CultureInfo.InvariantCulture, out var pid))
                {
                    try
                    {
                        using var process = Process.GetProcessById(pid);
                        process.Kill();
                    }
                    catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                    {
                        // already gone
                    }
                }
            }
        }
        catch (IOException)
        {
        }
    }

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Checks, before anything is recorded, that this process may create the command's cgroup (a probe cgroup is made and
    /// removed at once), so that a tool does not say it is ready and then fail.
    /// </summary>
    /// <exception cref="BpfPermissionException">The cgroup2 root is not writable by this process (it needs CAP_DAC_OVERRIDE when not root).</exception>
    public static void EnsureCanCreateCgroup()
    {
        var probe = Path.Combine(Gadget.Traceloop.CgroupId.Cgroup2Root, $"{CgroupPrefix}{Environment.ProcessId}-probe");
        try
        {
            Directory.CreateDirectory(probe);
        }
        catch (UnauthorizedAccessException e)
        {
            throw CgroupDenied(probe, e);
        }
        Directory.Delete(probe);
    }

    /// <summary>This process's hard <c>RLIMIT_NOFILE</c> (<see cref="ulong.MaxValue"/>: unlimited, or unknown).</summary>
    private static unsafe ulong HardOpenFileLimit()
    {
        ResourceLimit limit;
        return Libc.getrlimit(Libc.RLIMIT_NOFILE, &limit) == 0 ? limit.Maximum : ulong.MaxValue;
    }

    /// <summary>The error for a cgroup this process may not make: cgroupfs is root's, and only CAP_DAC_OVERRIDE writes anywhere.</summary>
    internal static BpfPermissionException CgroupDenied(string path, Exception? cause = null) => new(
        $"Cannot create the cgroup '{path}' ({cause?.Message ?? "EACCES"}): the command runs in a cgroup of its own, made in the cgroup2 root " +
        $"'{Path.GetDirectoryName(path)}', which is root's: grant CAP_DAC_OVERRIDE besides CAP_BPF and CAP_PERFMON, or run as root.",
        Errno.EACCES);

    /// <summary>The absolute path of <paramref name="command"/> found in <c>PATH</c> (so that the shell's exec does not try every
    /// directory of <c>PATH</c> in turn, which would show as failed execve calls), or the command as given.</summary>
    private static string ResolveExecutable(string command)
    {
        if (command.Contains('/'))
        {
            return command;
        }
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, command);
            if (File.Exists(candidate) && !OperatingSystem.IsWindows() && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }
        return command;
    }

    /// <summary>
    /// Removes the cgroups of commands whose tracing process is gone (killed with SIGKILL, it could not remove its own)
    /// and that hold no process any more: <c>traceloop-PID-...</c> with no process PID. One still holding a process is
    /// kept (rmdir answers EBUSY): its command runs on.
    /// </summary>
    private static void RemoveAbandonedCgroups()
    {
        try
        {
            foreach (var directory in Directory.EnumerateDirectories(Gadget.Traceloop.CgroupId.Cgroup2Root, CgroupPrefix + "*"))
            {
                var name = Path.GetFileName(directory.AsSpan())[CgroupPrefix.Length..];
                var dash = name.IndexOf('-');
                if (dash > 0 && int.TryParse(name[..dash], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var owner)
                    && owner != Environment.ProcessId && !Directory.Exists($"/proc/{owner}"))
                {
                    try
                    {
                        Directory.Delete(directory);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        // Busy (a process is still in it) or gone meanwhile.
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No cgroup2 root to list: Start says so when it creates its own.
        }
    }

    private static void TryRemoveDirectory(string path)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                Directory.Delete(path);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException)
            {
                // EBUSY while the last process of the cgroup is being reaped.
                Thread.Sleep(20);
            }
        }
    }
}
