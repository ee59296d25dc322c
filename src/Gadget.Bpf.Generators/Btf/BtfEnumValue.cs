namespace Gadget.Bpf.Generators.Btf;

/// <summary>An enumerator of an ENUM or ENUM64: its name and value (as the 64 bits of the C value).</summary>
internal sealed class BtfEnumValue
{
    public BtfEnumValue(string name, long value)
    {
        Name = name;
        Value = value;
    }

    public string Name { get; }

    public long Value { get; }
}
