namespace Gadget.Bpf.Generators.Tests;

/// <summary>A type of bpftool's raw BTF dump: id, kind, name (empty: anonymous), size, target type, array length, members.</summary>
internal sealed record BpftoolType(int Id, string Kind, string Name, int Size, int Target, int Elements)
{
    public List<BpftoolMember> Members { get; } = [];
}
