namespace Gadget.Gadgets;

/// <summary>Linux x86-64 signal names.</summary>
internal static class SignalNames
{
    private static readonly string[] Names =
    [
        "0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV",
        "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN",
        "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ];

    /// <summary>The name of <paramref name="signal"/>; SIGRTMIN+n for real-time signals.</summary>
    public static string Name(int signal) =>
        signal >= 0 && signal < Names.Length ? Names[signal]
        : signal >= 34 && signal <= 64 ? $"SIGRTMIN+{signal - 34}"
        : signal.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
