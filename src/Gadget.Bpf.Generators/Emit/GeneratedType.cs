namespace Gadget.Bpf.Generators.Emit;

/// <summary>One generated C# type: its name, the C type it mirrors and its source (one file each).</summary>
internal sealed class GeneratedType
{
    public GeneratedType(string name, string cName, string source)
    {
        Name = name;
        CName = cName;
        Source = source;
    }

    public string Name { get; }

    public string CName { get; }

    public string Source { get; }
}
