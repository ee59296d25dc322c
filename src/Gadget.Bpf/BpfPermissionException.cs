namespace Gadget.Bpf;

/// <summary>The kernel refused an operation for lack of privilege (EPERM or EACCES).</summary>
public sealed class BpfPermissionException : BpfException
{
    /// <summary>Creates the exception.</summary>
    public BpfPermissionException(string message, int errno)
        : base(message, errno)
    {
    }
}
