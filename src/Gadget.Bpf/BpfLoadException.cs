namespace Gadget.Bpf;

/// <summary>A BPF object or program failed to load; carries the verifier log when the kernel gave one.</summary>
public sealed class BpfLoadException : BpfException
{
    /// <summary>Creates the exception.</summary>
    public BpfLoadException(string message, int errno, string? programName, string verifierLog, string libbpfLog)
        : base(message, errno)
    {
        ProgramName = programName;
        VerifierLog = verifierLog;
        LibbpfLog = libbpfLog;
    }

    /// <summary>The program that failed to load, or <c>null</c> when the failure was not in a program (e.g. a map).</summary>
    public string? ProgramName { get; }

    /// <summary>The kernel verifier's log for the failing program; empty when the kernel wrote none.</summary>
    public string VerifierLog { get; }

    /// <summary>What libbpf reported while loading (warnings and errors), for diagnostics.</summary>
    public string LibbpfLog { get; }
}
