using System.Runtime.InteropServices;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>Finds a BPF object's global variables by name in its BTF data sections (<c>.rodata</c>, <c>.data</c>, <c>.bss</c>, <c>.kconfig</c>).</summary>
internal static unsafe class BtfGlobals
{
    private const uint BtfKindDatasec = 15;

    /// <summary>The internal map holding global <paramref name="name"/>, its name and the variable's offset in its value.</summary>
    /// <param name="obj">The libbpf object, held open by the caller.</param>
    /// <param name="objectName">The object's name, for messages.</param>
    /// <param name="name">The variable's name.</param>
    /// <param name="size">The size the caller reads or writes: must be the variable's.</param>
    /// <exception cref="KeyNotFoundException">No such global.</exception>
    /// <exception cref="ArgumentException">The variable's size differs from <paramref name="size"/>.</exception>
    internal static (nint Map, string MapName, int Offset) Locate(nint obj, string objectName, string name, int size)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var btf = LibBpf.bpf_object__btf(obj);
        if (btf == 0)
        {
            throw new InvalidOperationException($"BPF object '{objectName}' has no BTF, so its globals cannot be found by name. Compile it with 'clang -g'.");
        }
        for (var map = LibBpf.bpf_object__next_map(obj, 0); map != 0; map = LibBpf.bpf_object__next_map(obj, map))
        {
            var mapName = Marshal.PtrToStringUTF8((nint)LibBpf.bpf_map__name(map)) ?? string.Empty;
            var datasec = DataSection(btf, map, mapName);
            if (datasec is null)
            {
                continue;
            }
            var section = Marshal.PtrToStringUTF8((nint)LibBpf.btf__name_by_offset(btf, datasec->NameOffset)) ?? mapName;
            var variables = (BtfVariableSectionInfo*)(datasec + 1);
            for (var i = 0; i < datasec->VariableLength; i++)
            {
                var variable = LibBpf.btf__type_by_id(btf, variables[i].Type);
                var variableName = Marshal.PtrToStringUTF8((nint)LibBpf.btf__name_by_offset(btf, variable->NameOffset));
                if (variableName != name)
                {
                    continue;
                }
                if (variables[i].Size != size)
                {
                    throw new ArgumentException(
                        $"Global '{name}' in {section} is {variables[i].Size} bytes, but the value given is {size} bytes.", nameof(name));
                }
                return (map, mapName, (int)variables[i].Offset);
            }
        }
        throw new KeyNotFoundException($"BPF object '{objectName}' has no global variable '{name}' in .rodata, .data or .bss.");
    }

    /// <summary>Whether an internal map holds <c>.kconfig</c> externs, which libbpf resolves only at load.</summary>
    /// <summary>
    /// The BTF data section an internal map holds, or null: the map's BTF value type, which libbpf sets to the section's
    /// DATASEC at open, or else the section the map's name ends with. libbpf names a <c>.data</c>, <c>.rodata</c>, <c>.bss</c>
    /// or <c>.kconfig</c> map after up to 8 characters of the object's name, which may hold dots too
    /// (<see cref="BpfObjectOptions.Name"/> <c>my.tool</c> gives <c>my.tool.rodata</c>): every dot is tried, the first first.
    /// </summary>
    private static BtfType* DataSection(nint btf, nint map, string mapName)
    {
        var valueType = LibBpf.bpf_map__btf_value_type_id(map);
        if (valueType != 0 && LibBpf.btf__type_by_id(btf, valueType) is var type && type is not null && type->Kind == BtfKindDatasec)
        {
            return type;
        }
        for (var dot = mapName.IndexOf('.', StringComparison.Ordinal); dot >= 0; dot = mapName.IndexOf('.', dot + 1))
        {
            var id = LibBpf.btf__find_by_name_kind(btf, mapName[dot..], BtfKindDatasec);
            if (id > 0)
            {
                return LibBpf.btf__type_by_id(btf, (uint)id);
            }
        }
        return null;
    }

    internal static bool IsKconfig(string mapName) => mapName.EndsWith(".kconfig", StringComparison.Ordinal);
}
