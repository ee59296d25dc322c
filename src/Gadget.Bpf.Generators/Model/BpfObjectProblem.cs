namespace Gadget.Bpf.Generators.Model;

/// <summary>Why an object cannot be read.</summary>
internal enum BpfObjectProblem
{
    NotBpfElf,
    NoBtf,
    BadBtf,
}
