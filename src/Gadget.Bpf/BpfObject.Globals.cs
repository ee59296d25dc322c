using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>The object's global variables (<c>.rodata</c>, <c>.data</c>, <c>.bss</c>, <c>.kconfig</c>), found by name in its BTF.</summary>
public sealed unsafe partial class BpfObject
{
    /// <summary>
    /// Sets a global variable of the BPF program before <see cref="Load"/>: a <c>const volatile</c> one (in <c>.rodata</c>,
    /// which the verifier then treats as a constant, e.g. a pid filter), or a <c>.data</c>/<c>.bss</c> one's initial value.
    /// </summary>
    /// <typeparam name="T">An unmanaged type of exactly the variable's size.</typeparam>
    /// <exception cref="KeyNotFoundException">No such global.</exception>
    /// <exception cref="ArgumentException">The size of <typeparamref name="T"/> differs from the variable's.</exception>
    /// <exception cref="InvalidOperationException">The object is already loaded.</exception>
    public void SetGlobal<T>(string name, T value)
        where T : unmanaged
    {
        var target = FindGlobal(name, sizeof(T));
        Unsafe.WriteUnaligned(target, value);
    }

    /// <summary>
    /// Sets an array global (e.g. <c>const volatile char comm[16]</c>, <c>int weights[64]</c>) before <see cref="Load"/> from a
    /// span whose size in bytes is exactly the variable's.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such global.</exception>
    /// <exception cref="ArgumentException">The span's size in bytes differs from the variable's.</exception>
    /// <exception cref="InvalidOperationException">The object is already loaded.</exception>
    public void SetGlobal<T>(string name, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values);
        var target = FindGlobal(name, bytes.Length);
        bytes.CopyTo(new Span<byte>(target, bytes.Length));
    }

    /// <summary>
    /// Reads a global variable: before <see cref="Load"/> its initial value, after it the live value in the kernel
    /// (e.g. a counter in <c>.bss</c> that the BPF program updates, or a <c>.kconfig</c> extern as libbpf resolved it).
    /// </summary>
    /// <typeparam name="T">An unmanaged type of exactly the variable's size.</typeparam>
    /// <exception cref="KeyNotFoundException">No such global.</exception>
    /// <exception cref="ArgumentException">The size of <typeparamref name="T"/> differs from the variable's.</exception>
    /// <exception cref="InvalidOperationException">A <c>.kconfig</c> extern read before load (libbpf resolves it at load).</exception>
    public T GetGlobal<T>(string name)
        where T : unmanaged
    {
        T value = default;
        ReadGlobal(name, new Span<byte>(&value, sizeof(T)));
        return value;
    }

    /// <summary>Reads an array global (see <see cref="GetGlobal{T}(string)"/>) into a span of exactly the variable's size in bytes.</summary>
    /// <exception cref="KeyNotFoundException">No such global.</exception>
    /// <exception cref="ArgumentException">The span's size in bytes differs from the variable's.</exception>
    /// <exception cref="InvalidOperationException">A <c>.kconfig</c> extern read before load.</exception>
    public void GetGlobal<T>(string name, Span<T> destination)
        where T : unmanaged => ReadGlobal(name, MemoryMarshal.AsBytes(destination));

    private void ReadGlobal(string name, Span<byte> destination)
    {
        var size = destination.Length;
        var (map, offset) = LocateGlobal(name, size);
        if (!_loaded)
        {
            if (IsKconfig(map))
            {
                throw new InvalidOperationException(
                    $"Global '{name}' is a .kconfig extern of BPF object '{Name}': libbpf resolves it at Load (from the kernel's config or BpfObjectOptions.Kconfig), so it has no value before.");
            }
            new ReadOnlySpan<byte>(InitialValue(map, name, offset, size), size).CopyTo(destination);
            return;
        }
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(map.ValueSize);
        try
        {
            Span<byte> key = stackalloc byte[4];
            key.Clear();
            var value = buffer.AsSpan(0, map.ValueSize);
            if (!map.TryLookup(key, value))
            {
                throw new InvalidOperationException($"The kernel returned no value for map '{map.Name}' holding global '{name}'.");
            }
            value.Slice(offset, size).CopyTo(destination);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsKconfig(BpfMap map) => map.Name.EndsWith(".kconfig", StringComparison.Ordinal);

    private byte* FindGlobal(string name, int size)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ThrowIfDisposed();
        if (_loaded)
        {
            throw new InvalidOperationException($"Global '{name}' must be set before BPF object '{Name}' is loaded.");
        }
        var (map, offset) = LocateGlobal(name, size);
        if (IsKconfig(map))
        {
            throw new InvalidOperationException($"Global '{name}' is a .kconfig extern, which libbpf sets at load: give its value with BpfObjectOptions.Kconfig.");
        }
        return InitialValue(map, name, offset, size);
    }

    private static byte* InitialValue(BpfMap map, string name, int offset, int size)
    {
        nuint dataSize;
        var data = (byte*)LibBpf.bpf_map__initial_value(map.Pointer, &dataSize);
        if (data is null || (nuint)(offset + size) > dataSize)
        {
            throw new InvalidOperationException($"Global '{name}' in map '{map.Name}' has no initial value area.");
        }
        return data + offset;
    }

    /// <summary>Finds a global by name in the BTF data sections: the internal map that holds it and its offset there.</summary>
    private (BpfMap Map, int Offset) LocateGlobal(string name, int size)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ThrowIfDisposed();
        var btf = LibBpf.bpf_object__btf(Pointer);
        if (btf == 0)
        {
            throw new InvalidOperationException($"BPF object '{Name}' has no BTF, so its globals cannot be found by name. Compile it with 'clang -g'.");
        }
        foreach (var map in _maps)
        {
            var dot = map.Name.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0)
            {
                continue;
            }
            var section = map.Name[dot..];
            var datasecId = LibBpf.btf__find_by_name_kind(btf, section, BtfKindDatasec);
            if (datasecId <= 0)
            {
                continue;
            }
            var datasec = LibBpf.btf__type_by_id(btf, (uint)datasecId);
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
                return (map, (int)variables[i].Offset);
            }
        }
        throw new KeyNotFoundException($"BPF object '{Name}' has no global variable '{name}' in .rodata, .data or .bss.");
    }
}
