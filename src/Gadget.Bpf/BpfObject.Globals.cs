using System.Runtime.InteropServices;
using Gadget.Bpf.Interop;

namespace Gadget.Bpf;

/// <summary>The loaded object's global variables (<c>.rodata</c>, <c>.data</c>, <c>.bss</c>, <c>.kconfig</c>), read live from the kernel.</summary>
public sealed unsafe partial class BpfObject
{
    /// <summary>
    /// Reads the live value of a global variable in the kernel: e.g. a counter in <c>.bss</c> that the BPF program updates,
    /// a <c>const volatile</c> one as it was set, or a <c>.kconfig</c> extern as libbpf resolved it.
    /// </summary>
    /// <typeparam name="T">An unmanaged type of exactly the variable's size.</typeparam>
    /// <exception cref="KeyNotFoundException">No such global.</exception>
    /// <exception cref="ArgumentException">The size of <typeparamref name="T"/> differs from the variable's.</exception>
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
    public void GetGlobal<T>(string name, Span<T> destination)
        where T : unmanaged => ReadGlobal(name, MemoryMarshal.AsBytes(destination));

    private void ReadGlobal(string name, Span<byte> destination)
    {
        string mapName;
        int offset;
        using (new FdLease(_handle, -1, "BPF object", Name))
        {
            (_, mapName, offset) = BtfGlobals.Locate(_handle.DangerousGetHandle(), Name, name, destination.Length);
        }
        var map = Map(mapName);
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
            value.Slice(offset, destination.Length).CopyTo(destination);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
