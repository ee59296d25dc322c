namespace Gadget.Bpf.Generators.Tests;

/// <summary>A struct or union member of bpftool's raw dump: name (empty: anonymous), type, bit offset, bitfield size (0: none).</summary>
internal sealed record BpftoolMember(string Name, int Type, int BitOffset, int BitfieldSize);
