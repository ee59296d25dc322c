using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>The object's global variables before load: their initial values, found by name in its BTF.</summary>
public sealed unsafe partial class BpfObjectSpec
{
    /// <summary>
    /// Sets a global variable of the BPF program: a <c>const volatile</c> one (in <c>.rodata</c>, which the verifier then
    /// treats as a constant, e.g. a pid filter), or a <c>.data</c>/<c>.bss</c> one's initial value.
    /// </summary>
    /// <typeparam name="T">An unmanaged type of exactly the variable's size.</typeparam>
    /// <exception cref="KeyNotFoundException">No such global.</exception>
    /// <exception cref="ArgumentException">The size of <typeparamref name="T"/> differs from the variable's.</exception>
    /// <exception cref="InvalidOperationException">The variable is a <c>.kconfig</c> extern, or the spec was loaded already.</exception>
    public void SetGlobal<T>(string name, T value)
        where T : unmanaged => Unsafe.WriteUnaligned(InitialValue(name, sizeof(T), forWrite: true), value);

    /// <summary>
    /// Sets an array global (e.g. <c>const volatile char comm[16]</c>, <c>int weights[64]</c>) from a span whose size in bytes
    /// is exactly the variable's.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such global.</exception>
    /// <exception cref="ArgumentException">The span's size in bytes differs from the variable's.</exception>
    /// <exception cref="InvalidOperationException">The variable is a <c>.kconfig</c> extern, or the spec was loaded already.</exception>
    public void SetGlobal<T>(string name, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values);
        bytes.CopyTo(new Span<byte>(InitialValue(name, bytes.Length, forWrite: true), bytes.Length));
    }

    /// <summary>Reads a global variable's initial value (as compiled, or as set with <see cref="SetGlobal{T}(string, T)"/>).</summary>
    /// <typeparam name="T">An unmanaged type of exactly the variable's size.</typeparam>
    /// <exception cref="KeyNotFoundException">No such global.</exception>
    /// <exception cref="ArgumentException">The size of <typeparamref name="T"/> differs from the variable's.</exception>
    /// <exception cref="InvalidOperationException">A <c>.kconfig</c> extern (libbpf resolves it at load: read it on the loaded <see cref="BpfObject"/>).</exception>
    public T GetGlobal<T>(string name)
        where T : unmanaged => Unsafe.ReadUnaligned<T>(InitialValue(name, sizeof(T), forWrite: false));

    /// <summary>Reads an array global's initial value into a span of exactly the variable's size in bytes.</summary>
    /// <exception cref="KeyNotFoundException">No such global.</exception>
    /// <exception cref="ArgumentException">The span's size in bytes differs from the variable's.</exception>
    /// <exception cref="InvalidOperationException">A <c>.kconfig</c> extern.</exception>
    public void GetGlobal<T>(string name, Span<T> destination)
        where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(destination);
        new ReadOnlySpan<byte>(InitialValue(name, bytes.Length, forWrite: false), bytes.Length).CopyTo(bytes);
    }

    private byte* InitialValue(string name, int size, bool forWrite)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var (map, mapName, offset) = BtfGlobals.Locate(Pointer, Name, name, size);
        if (BtfGlobals.IsKconfig(mapName))
        {
            throw new InvalidOperationException(forWrite
                ? $"Global '{name}' is a .kconfig extern, which libbpf sets at load: give its value with BpfObjectOptions.Kconfig."
                : $"Global '{name}' is a .kconfig extern of BPF object '{Name}': libbpf resolves it at Load (from the kernel's config or BpfObjectOptions.Kconfig), so it has no value before. Read it on the loaded BpfObject.");
        }
        nuint dataSize;
        var data = (byte*)LibBpf.bpf_map__initial_value(map, &dataSize);
        if (data is null || (nuint)(offset + size) > dataSize)
        {
            throw new InvalidOperationException($"Global '{name}' in map '{mapName}' has no initial value area.");
        }
        return data + offset;
    }
}
