namespace Gadget.Bpf.Generators.Model;

/// <summary>A global variable of a data section (<c>.rodata</c>, <c>.data</c>, <c>.bss</c>, or a named one of those).</summary>
internal sealed class BpfGlobalModel
{
    public BpfGlobalModel(string name, string section, uint type, uint offset, uint size)
    {
        Name = name;
        Section = section;
        Type = type;
        Offset = offset;
        Size = size;
    }

    public string Name { get; }

    public string Section { get; }

    /// <summary>The variable's BTF type (the VAR's target).</summary>
    public uint Type { get; }

    public uint Offset { get; }

    public uint Size { get; }

    /// <summary>A <c>.rodata</c> variable: settable before load, constant for the verifier.</summary>
    public bool IsReadOnly => Section.StartsWith(".rodata", System.StringComparison.Ordinal);
}
