namespace Gadget.Bpf.Generators.Btf;

/// <summary>A variable of a DATASEC (btf_var_secinfo): the VAR's type id, its offset in the section and its size.</summary>
internal sealed class BtfSectionVariable
{
    public BtfSectionVariable(uint type, uint offset, uint size)
    {
        Type = type;
        Offset = offset;
        Size = size;
    }

    public uint Type { get; }

    public uint Offset { get; }

    public uint Size { get; }
}
