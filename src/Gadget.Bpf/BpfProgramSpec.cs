using System.Runtime.InteropServices;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>
/// A program of a <see cref="BpfObjectSpec"/> as it will be loaded at <see cref="BpfObjectSpec.Load"/>: its type, expected
/// attach type and target, whether it is loaded at all and whether <see cref="BpfObject.AttachAll"/> attaches it. The loaded
/// program is the loaded object's <see cref="BpfProgram"/> of the same name. Everything here is valid until the spec is loaded.
/// </summary>
public sealed unsafe class BpfProgramSpec
{
    private readonly BpfObjectSpec _spec;
    private readonly nint _pointer;

    internal BpfProgramSpec(BpfObjectSpec spec, nint pointer)
    {
        _spec = spec;
        _pointer = pointer;
        Name = Marshal.PtrToStringUTF8((nint)LibBpf.bpf_program__name(pointer)) ?? string.Empty;
        SectionName = Marshal.PtrToStringUTF8((nint)LibBpf.bpf_program__section_name(pointer)) ?? string.Empty;
    }

    /// <summary>The program's name (its C function name).</summary>
    public string Name { get; }

    /// <summary>The ELF section it came from, e.g. <c>tracepoint/raw_syscalls/sys_enter</c>.</summary>
    public string SectionName { get; }

    /// <summary>
    /// The program type, as libbpf derived it from the section name; set it (<c>bpf_program__set_type</c>) for a section
    /// libbpf does not know (such a program attaches with the explicit Attach* methods, not <see cref="BpfProgram.Attach"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The spec was loaded already.</exception>
    public BpfProgramType Type
    {
        get => (BpfProgramType)LibBpf.bpf_program__type(Pointer);
        set => Errno.ThrowIfNegative(LibBpf.bpf_program__set_type(Pointer, (int)value), $"set the type of program '{Name}'");
    }

    /// <summary>
    /// The attach type the kernel is told at load (<c>bpf_program__set_expected_attach_type</c>), e.g.
    /// <see cref="BpfAttachType.TraceIter"/> for an iterator or <see cref="BpfAttachType.TraceRawTp"/> for a BTF tracepoint.
    /// Set it before <see cref="SetAttachTarget"/>, which resolves the target by it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The spec was loaded already.</exception>
    public BpfAttachType ExpectedAttachType
    {
        get => (BpfAttachType)LibBpf.bpf_program__expected_attach_type(Pointer);
        set => Errno.ThrowIfNegative(LibBpf.bpf_program__set_expected_attach_type(Pointer, (int)value), $"set the expected attach type of program '{Name}'");
    }

    /// <summary>
    /// Whether <see cref="BpfObjectSpec.Load"/> loads this program (default true). A program left out is not in the loaded
    /// object, e.g. one that needs a helper this kernel lacks.
    /// </summary>
    /// <exception cref="InvalidOperationException">The spec was loaded already.</exception>
    public bool AutoLoad
    {
        get => LibBpf.bpf_program__autoload(Pointer);
        set => Errno.ThrowIfNegative(LibBpf.bpf_program__set_autoload(Pointer, value), $"set autoload of program '{Name}'");
    }

    /// <summary>Whether <see cref="BpfObject.AttachAll"/> attaches the loaded program (default true; <c>bpf_program__set_autoattach</c>).</summary>
    /// <exception cref="InvalidOperationException">The spec was loaded already.</exception>
    public bool AutoAttach
    {
        get => LibBpf.bpf_program__autoattach(Pointer);
        set => LibBpf.bpf_program__set_autoattach(Pointer, value);
    }

    /// <summary>
    /// Sets what a BTF-typed program (tp_btf, fentry/fexit, iter, freplace) attaches to (<c>bpf_program__set_attach_target</c>):
    /// e.g. <c>sched_process_exec</c> for a <c>SEC("tp_btf")</c> program declared without a target, or <c>task</c> for an
    /// iterator. The name is resolved in the kernel's BTF at this call.
    /// </summary>
    /// <param name="functionName">The kernel function, BTF tracepoint or iterator name.</param>
    /// <param name="targetProgram">For freplace and fentry/fexit on a BPF program: that program, loaded; otherwise null.</param>
    /// <exception cref="InvalidOperationException">The spec was loaded already.</exception>
    /// <exception cref="BpfException">No such target (ESRCH) or it does not fit the program's type.</exception>
    public void SetAttachTarget(string functionName, BpfProgram? targetProgram = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(functionName);
        var pointer = Pointer;
        using var capture = LibbpfRuntime.Capture(_spec.Logger);
        int result;
        using (var target = targetProgram is null ? default(FdLease) : targetProgram.Lease())
        {
            result = LibBpf.bpf_program__set_attach_target(pointer, targetProgram is null ? 0 : target.Fd, functionName);
        }
        if (result < 0)
        {
            var log = capture.Text;
            throw new BpfException(
                $"set the attach target of program '{Name}' to '{functionName}' failed: {Errno.Name(result)} ({Errno.Describe(result)})." +
                (-result == Errno.ESRCH ? " No such function, tracepoint or iterator in the kernel's BTF." : string.Empty) +
                (log.Length > 0 ? " libbpf said: " + BpfObject.LastLines(log, 3) : string.Empty),
                -result);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({SectionName}, spec)";

    /// <summary>The libbpf program, while the spec owns it and has not loaded it.</summary>
    internal nint Pointer
    {
        get
        {
            _ = _spec.Pointer; // throws once the spec is loaded or disposed
            return _pointer;
        }
    }
}
