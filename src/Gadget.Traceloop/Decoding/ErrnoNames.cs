namespace Gadget.Traceloop.Decoding;

/// <summary>errno names (<c>ENOENT</c>) and the descriptions strace prints next to them (glibc's strerror texts).</summary>
public static class ErrnoNames
{
    /// <summary>The name of errno <paramref name="errno"/> (positive), or <c>null</c> when unknown.</summary>
    public static string? GetName(int errno) => LinuxErrno.Name(errno);

    /// <summary>strace's description of errno <paramref name="errno"/> (positive), or <c>null</c> when unknown.</summary>
    public static string? GetDescription(int errno) => LinuxErrno.Description(errno);

    /// <summary>Whether <paramref name="errno"/> is one of the kernel-internal restart codes (ERESTARTSYS and friends), which strace shows as <c>? ERESTARTSYS (...)</c>.</summary>
    public static bool IsRestart(int errno) => LinuxErrno.IsRestart(errno);
}
