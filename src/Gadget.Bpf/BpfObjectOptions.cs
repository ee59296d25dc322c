namespace Gadget.Bpf;

/// <summary>How a <see cref="BpfObjectSpec"/> is opened (and the <see cref="BpfObject"/> it loads).</summary>
public sealed class BpfObjectOptions
{
    /// <summary>The object's name (it prefixes internal map names such as <c>.rodata</c>); defaults to the file or resource name.</summary>
    public string? Name { get; init; }

    /// <summary>Directory on bpffs where maps declared with <c>LIBBPF_PIN_BY_NAME</c> are pinned and reused; default <c>/sys/fs/bpf</c>.</summary>
    public string? PinRootPath { get; init; }

    /// <summary>A BTF file to use for CO-RE relocations instead of the kernel's <c>/sys/kernel/btf/vmlinux</c>.</summary>
    public string? BtfCustomPath { get; init; }

    /// <summary>
    /// The kernel configuration that <c>__kconfig</c> externs (<c>extern u32 CONFIG_HZ __kconfig;</c>) resolve against, as
    /// lines of <c>CONFIG_NAME=value</c> (<c>y</c>, <c>m</c>, <c>n</c>, numbers, quoted strings), instead of the running kernel's
    /// <c>/proc/config.gz</c> or <c>/boot/config-*</c> (libbpf's <c>kconfig</c> open option).
    /// </summary>
    public string? Kconfig { get; init; }

    /// <summary>
    /// Size in bytes of the buffer that receives the verifier log of a program that fails to load. Default 8 MiB; at least
    /// 4 KiB and at most the kernel's limit, 1 GiB - 1 (smaller and larger values are taken as these).
    /// </summary>
    public int VerifierLogSize { get; init; } = 8 << 20;

    /// <summary>
    /// Where libbpf's messages while this object is opened, loaded and its programs attached go (warnings, CO-RE relocation
    /// details, verifier output at debug level), and the diagnostics of readers of its maps. <c>null</c> (the default): nowhere.
    /// libbpf's own messages carry the event id <see cref="LibbpfMessageEvent"/>.
    /// </summary>
    public Microsoft.Extensions.Logging.ILogger? Logger { get; init; }

    /// <summary>
    /// The event id of libbpf's own messages (text starting with <c>libbpf: </c>), e.g. to leave them out where the
    /// exception that follows a failure already quotes them.
    /// </summary>
    public static Microsoft.Extensions.Logging.EventId LibbpfMessageEvent { get; } = new(1, "libbpf");
}
