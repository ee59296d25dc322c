namespace Gadget.Bpf;

/// <summary>A program could not be attached (missing tracepoint, function or binary, or the kernel refused).</summary>
public sealed class BpfAttachException : BpfException
{
    /// <summary>Creates the exception.</summary>
    public BpfAttachException(string message, int errno, string target, Exception? innerException = null)
        : base(message, errno, innerException)
    {
        Target = target;
    }

    /// <summary>What the program was being attached to, e.g. <c>raw_syscalls:sys_enter</c>.</summary>
    public string Target { get; }
}
