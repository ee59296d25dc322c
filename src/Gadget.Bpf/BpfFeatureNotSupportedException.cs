namespace Gadget.Bpf;

/// <summary>The running kernel lacks a feature the operation needs (e.g. kprobes, fentry, a map type).</summary>
public sealed class BpfFeatureNotSupportedException : BpfException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="feature">The missing feature, e.g. <c>kprobe</c>.</param>
    /// <param name="message">Why it is missing and what to use instead.</param>
    public BpfFeatureNotSupportedException(string feature, string message)
        : this(feature, message, null, 0)
    {
    }

    /// <summary>Creates the exception for a program.</summary>
    /// <param name="feature">The missing feature, e.g. <c>kretprobe</c> or <c>fentry</c>.</param>
    /// <param name="message">Why it is missing and what to use instead.</param>
    /// <param name="programName">The program that needs the feature, or <c>null</c>.</param>
    /// <param name="errno">The errno the kernel or libbpf returned, or 0.</param>
    public BpfFeatureNotSupportedException(string feature, string message, string? programName, int errno)
        : base(message, errno)
    {
        Feature = feature;
        ProgramName = programName;
    }

    /// <summary>The missing feature, e.g. <c>kprobe</c>, <c>kretprobe</c> or <c>fentry</c>.</summary>
    public string Feature { get; }

    /// <summary>The program that needs the feature, or <c>null</c> when the failure is not a program's (e.g. a map type).</summary>
    public string? ProgramName { get; }
}
