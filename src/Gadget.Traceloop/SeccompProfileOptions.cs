namespace Gadget.Traceloop;

/// <summary>How <see cref="SeccompProfileAdvisor"/> turns a recorded history into a seccomp profile.</summary>
public sealed class SeccompProfileOptions
{
    /// <summary>
    /// Syscalls allowed on top of those recorded. By default the ones a history cannot show but a program needs under a
    /// runtime: <c>execve</c> (the runtime installs the filter before exec'ing the program, whose own execve entry is not
    /// in the container's history) and <c>exit</c>/<c>exit_group</c>/<c>rt_sigreturn</c>, which a short history may miss.
    /// </summary>
    public IReadOnlyCollection<string> AlwaysAllowed { get; init; } = ["execve", "exit", "exit_group", "rt_sigreturn"];

    /// <summary>The errno returned for a refused syscall (default 1, EPERM).</summary>
    public int RefusedErrno { get; init; } = 1;
}
