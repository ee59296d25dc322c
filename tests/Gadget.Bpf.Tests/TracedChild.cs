using System.Diagnostics;

namespace Gadget.Bpf.Tests;

/// <summary>
/// A real process to trace: <c>/bin/cat</c> copying its stdin to /dev/null. It sits blocked in <c>read</c> (no syscalls)
/// until <see cref="Echo"/> writes a line, then makes a <c>write</c> and another <c>read</c>: real syscalls on demand, so
/// <c>on_sys_enter</c> of syscall_events.bpf.c, filtered to its pid, emits real kernel events exactly when a test wants.
/// </summary>
internal sealed class TracedChild : IDisposable
{
    internal const long SysRead = 0;
    internal const long SysWrite = 1;

    private readonly Process _process;

    internal TracedChild()
    {
        var start = new ProcessStartInfo("/bin/sh", ["-c", "exec cat > /dev/null"]) { RedirectStandardInput = true };
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start cat");
    }

    internal uint Pid => (uint)_process.Id;

    /// <summary>Writes one line to cat: it wakes up and makes a <c>write</c> syscall, then blocks in <c>read</c> again.</summary>
    internal void Echo()
    {
        _process.StandardInput.WriteLine("x");
        _process.StandardInput.Flush();
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill();
            }
        }
        finally
        {
            _process.Dispose();
        }
    }
}
