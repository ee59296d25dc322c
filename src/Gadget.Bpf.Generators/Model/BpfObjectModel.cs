using System;
using System.Collections.Generic;
using Gadget.Bpf.Generators.Btf;
using Gadget.Bpf.Generators.Elf;

namespace Gadget.Bpf.Generators.Model;

/// <summary>What a skeleton is made of: the object's BTF, its programs, maps (from <c>.maps</c>) and global variables.</summary>
internal sealed class BpfObjectModel
{
    private BpfObjectModel(BtfData btf) => Btf = btf;

    public BtfData Btf { get; }

    public List<(string Name, string Section)> Programs { get; } = new();

    public List<BpfMapModel> Maps { get; } = new();

    public List<BpfGlobalModel> Globals { get; } = new();

    /// <summary>Reads an object; <see cref="BpfObjectException"/> says why it cannot (not an ELF, no .BTF, corrupt BTF).</summary>
    public static BpfObjectModel Read(byte[] bytes)
    {
        ElfFile elf;
        try
        {
            elf = ElfFile.Parse(bytes);
        }
        catch (FormatException e)
        {
            throw new BpfObjectException(BpfObjectProblem.NotBpfElf, e.Message);
        }
        var section = elf.Section(".BTF") ?? throw new BpfObjectException(BpfObjectProblem.NoBtf, "the object has no .BTF section (compile it with clang -g, and strip it with llvm-strip -g, which keeps BTF)");
        BpfObjectModel model;
        try
        {
            model = new BpfObjectModel(BtfData.Parse(elf.Contents(section)));
            model.Programs.AddRange(elf.Programs());
            model.ReadSections();
        }
        catch (FormatException e)
        {
            throw new BpfObjectException(BpfObjectProblem.BadBtf, e.Message);
        }
        return model;
    }

    private void ReadSections()
    {
        foreach (var type in Btf.Types)
        {
            if (type.Kind != BtfKind.DataSection)
            {
                continue;
            }
            var isMaps = type.Name == ".maps";
            var isData = type.Name.StartsWith(".rodata", StringComparison.Ordinal) || type.Name.StartsWith(".data", StringComparison.Ordinal) || type.Name.StartsWith(".bss", StringComparison.Ordinal);
            if (!isMaps && !isData)
            {
                continue;
            }
            foreach (var variable in type.Variables)
            {
                var var = Btf[variable.Type];
                if (var.Kind != BtfKind.Variable)
                {
                    continue;
                }
                if (isMaps)
                {
                    Maps.Add(ReadMap(var.Name, Btf.Resolve(var.SizeOrType)));
                }
                else if (var.VariableLinkage == 1)
                {
                    // Static variables (linkage 0) are skipped as libbpf's skeletons skip them: their names are not unique.
                    Globals.Add(new BpfGlobalModel(var.Name, type.Name, var.SizeOrType, variable.Offset, variable.Size));
                }
            }
        }
    }

    /// <summary>
    /// A BTF-defined map: an anonymous struct whose <c>type</c>, <c>max_entries</c>, ... members are pointers to arrays whose
    /// length is the value (the __uint macro) and whose <c>key</c> and <c>value</c> members are pointers to the types (__type).
    /// </summary>
    private BpfMapModel ReadMap(string name, BtfType definition)
    {
        int mapType = 0;
        uint key = 0, value = 0;
        var inner = false;
        foreach (var member in definition.Members)
        {
            var target = Btf.Resolve(member.Type);
            switch (member.Name)
            {
                case "type" when target.Kind == BtfKind.Pointer:
                    mapType = (int)Btf.Resolve(target.SizeOrType).ArrayLength;
                    break;
                case "key" when target.Kind == BtfKind.Pointer:
                    key = target.SizeOrType;
                    break;
                case "value" when target.Kind == BtfKind.Pointer:
                    value = target.SizeOrType;
                    break;
                case "values":
                    inner = true;
                    break;
            }
        }
        return new BpfMapModel(name, mapType, key, value, inner);
    }
}
