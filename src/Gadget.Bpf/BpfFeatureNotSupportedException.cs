namespace Gadget.Bpf;

/// <summary>The running kernel lacks a feature the operation needs (e.g. kprobes, fentry, a map type).</summary>
public sealed class BpfFeatureNotSupportedException : NotSupportedException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="feature">The missing feature, e.g. <c>kprobe</c>.</param>
    /// <param name="message">Why it is missing and what to use instead.</param>
    public BpfFeatureNotSupportedException(string feature, string message)
        : base(message)
    {
        Feature = feature;
    }

    /// <summary>The missing feature, e.g. <c>kprobe</c> or <c>fentry</c>.</summary>
    public string Feature { get; }
}
