namespace Gadget.Bpf;

/// <summary>The bytes given as a BPF object are not a valid BPF ELF object (truncated, corrupt, or another file).</summary>
public sealed class BpfObjectFormatException : BpfException
{
    /// <summary>Creates the exception.</summary>
    public BpfObjectFormatException(string message, int errno, string libbpfLog)
        : base(message, errno)
    {
        LibbpfLog = libbpfLog;
    }

    /// <summary>What libbpf reported while parsing the object.</summary>
    public string LibbpfLog { get; }
}
