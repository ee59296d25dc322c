namespace Gadget.Traceloop.Decoding;

/// <summary>
/// Everything traceloop knows about the syscalls of one architecture: names (<see cref="Table"/>), signatures,
/// how each argument is printed, and what the BPF side must capture behind pointer arguments.
/// Thread-safe; decoders are built on first use and kept.
/// </summary>
/// <remarks>
/// What the capture side puts in <see cref="CapturedArgument.Data"/> for each <see cref="ArgumentCapture"/> kind, so that the
/// formatter prints it as strace does:
/// <list type="bullet">
/// <item><see cref="ArgumentCapture.StringIn"/>, <see cref="ArgumentCapture.PathIn"/>: the string's bytes without the NUL (Truncated when the capture limit, 256 or PATH_MAX bytes, cut it).</item>
/// <item><see cref="ArgumentCapture.BufferIn"/>: the first min(length argument, limit) bytes, read at entry.</item>
/// <item><see cref="ArgumentCapture.BufferOut"/>: the first min(return value, limit) bytes, read at exit when the return value is positive.</item>
/// <item><see cref="ArgumentCapture.SockaddrIn"/>: the first min(length argument, limit) bytes of the address, read at entry.</item>
/// <item><see cref="ArgumentCapture.StructOut"/>: <see cref="ArgumentCaptureSpec.FixedSize"/> bytes read at exit (pipe's two fds).</item>
/// <item><see cref="ArgumentCapture.StringArrayIn"/>: each element's bytes followed by a NUL, in order (Truncated when elements or bytes are missing).</item>
/// </list>
/// Memory that could not be read is a <see cref="CaptureStatus.Unreadable"/> entry (or no entry): the formatter then prints the address.
/// Inputs ("read at entry") that were unreadable there although their pointer was not NULL (a page not faulted in yet) are
/// read again when the syscall returns, unless it replaced the memory image (a successful execve); the record then has that
/// later capture for the argument, one capture per argument.
/// </remarks>
public sealed class SyscallCatalog
{
    private static readonly Lazy<SyscallCatalog> CurrentCatalog = new(() => new SyscallCatalog(SyscallTable.Current, SyscallSignatureProvider.Shared));

    private readonly SyscallDecoder?[] decoders;
    private readonly bool[] built;
    private readonly object gate = new();

    /// <summary>Creates a catalog for <paramref name="table"/>'s architecture, reading signatures from <paramref name="signatures"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="table"/> is not the x86-64 or the arm64 table: the 32-bit and x32
    /// tables only name syscalls, whose arguments traceloop does not decode.</exception>
    public SyscallCatalog(SyscallTable table, SyscallSignatureProvider signatures)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(signatures);
        if (!table.IsTracedArchitecture)
        {
            throw new ArgumentException($"traceloop decodes x86-64 and arm64 syscalls only; the {table.Architecture} table only names syscalls.", nameof(table));
        }
        Table = table;
        Signatures = signatures;
        decoders = new SyscallDecoder?[table.Count];
        built = new bool[table.Count];
    }

    /// <summary>The catalog of this machine: the current architecture's table and this kernel's tracefs signatures.</summary>
    public static SyscallCatalog Current => CurrentCatalog.Value;

    /// <summary>The architecture's syscall table.</summary>
    public SyscallTable Table { get; }

    /// <summary>Where signatures come from.</summary>
    public SyscallSignatureProvider Signatures { get; }

    /// <summary>The architecture.</summary>
    public SyscallArchitecture Architecture => Table.Architecture;

    /// <summary>The signature of syscall <paramref name="number"/>, or <c>null</c> when unknown.</summary>
    public SyscallSignature? GetSignature(int number) => Table.GetName(number) is { } name ? Signatures.Get(name) : null;

    /// <summary>
    /// What the BPF side must read for each argument of syscall <paramref name="number"/>: one spec per argument,
    /// or an empty list when nothing is captured (plain values only, or an unknown syscall).
    /// </summary>
    public IReadOnlyList<ArgumentCaptureSpec> GetCaptureSpecs(int number) => GetDecoder(number)?.CaptureSpecs ?? [];

    /// <summary>
    /// Every syscall with at least one captured argument, with its specs (argument index = list index), by increasing number:
    /// what the engine loads into its BPF map once at start.
    /// </summary>
    public IEnumerable<KeyValuePair<int, IReadOnlyList<ArgumentCaptureSpec>>> GetAllCaptureSpecs()
    {
        for (int number = 0; number < Table.Count; number++)
        {
            var specs = GetCaptureSpecs(number);
            if (specs.Count > 0)
            {
                yield return new(number, specs);
            }
        }
    }

    /// <summary>The decoder of <paramref name="number"/>, or <c>null</c> when the syscall is unknown or has no signature.</summary>
    internal SyscallDecoder? GetDecoder(int number)
    {
        if ((uint)number >= (uint)decoders.Length)
        {
            return null;
        }
        if (Volatile.Read(ref built[number]))
        {
            return decoders[number];
        }
        var decoder = Build(number);
        lock (gate)
        {
            decoders[number] = decoder;
            Volatile.Write(ref built[number], true);
        }
        return decoder;
    }

    private SyscallDecoder? Build(int number)
    {
        if (Table.GetName(number) is not { } name)
        {
            return null;
        }
        if (DecoderTable.GetExplicit(name, Architecture) is { } explicitDecoder)
        {
            return explicitDecoder;
        }
        return Signatures.Get(name) is { } signature ? DecoderTable.Derive(signature, Architecture) : null;
    }
}
