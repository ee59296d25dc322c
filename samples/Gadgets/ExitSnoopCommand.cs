using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets exitsnoop</c>: every process exit with its code or signal and lifetime, like libbpf-tools' exitsnoop and ig's trace exit.</summary>
internal static class ExitSnoopCommand
{
    public static Command Create()
    {
        // Read from the parse result (the filter factory runs before the gadget starts) and given to ExitSnoop.Start.
        var exitOptions = new ExitSnoopOptions();
        return ViewEventCommand.Create("exitsnoop", "Trace every process exit (code or signal, core dump, lifetime) in the selected containers (or on the host).", ViewSchemas.ExitSnoop, options => ExitSnoop.Start(options, exitOptions), command =>
        {
            var threads = new Option<bool>("--threads", "-T") { Description = "every thread's exit, not only each process's (its thread group leader's)" };
            var failed = new Option<bool>("--failed", "-x") { Description = "only exits with a non-zero code or by a signal" };
            var pid = ValueOptions.Integer("--pid", "only this process id (0: every process)", 0, 0, int.MaxValue);
            command.Options.Add(threads);
            command.Options.Add(failed);
            command.Options.Add(pid);
            return result =>
            {
                exitOptions = new ExitSnoopOptions { Threads = result.GetValue(threads) };
                var failedOnly = result.GetValue(failed);
                var onlyPid = result.GetValue(pid);
                return e => (!failedOnly || e.ExitStatus != 0) && (onlyPid == 0 || e.Process.Pid == onlyPid);
            };
        });
    }
}
