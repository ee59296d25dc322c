namespace Gadget.Gadgets;

/// <summary>The names of Linux capabilities (include/uapi/linux/capability.h), by number.</summary>
internal static class LinuxCapabilities
{
    private static readonly string[] Names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
        "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
        "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    /// <summary>CAP_CHOWN for 0, ..., CAP_CHECKPOINT_RESTORE for 40; <c>CAP_&lt;n&gt;</c> for a number this table does not know.</summary>
    public static string Name(int capability) =>
        (uint)capability < (uint)Names.Length ? Names[capability] : "CAP_" + capability.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The number of <paramref name="name"/> (CAP_CHOWN or CHOWN, any case), or -1.</summary>
    public static int Number(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var full = name.StartsWith("CAP_", StringComparison.OrdinalIgnoreCase) ? name : "CAP_" + name;
        return Array.FindIndex(Names, n => string.Equals(n, full, StringComparison.OrdinalIgnoreCase));
    }
}
