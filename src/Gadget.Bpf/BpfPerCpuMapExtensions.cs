using System.Buffers;
using System.Numerics;

namespace Gadget.Bpf;

/// <summary>Helpers for per-CPU maps of numbers (e.g. per-CPU counters).</summary>
public static class BpfPerCpuMapExtensions
{
    private const int StackValueLimit = 64;

    /// <summary>Looks up <paramref name="key"/> and adds up its values over all CPUs, without allocating.</summary>
    /// <returns>Whether the key was found; <paramref name="sum"/> is zero when not.</returns>
    public static bool TrySum<TKey, TValue>(this BpfPerCpuMap<TKey, TValue> map, in TKey key, out TValue sum)
        where TKey : unmanaged
        where TValue : unmanaged, INumber<TValue>
    {
        ArgumentNullException.ThrowIfNull(map);
        var count = map.CpuCount;
        TValue[]? rented = null;
        var values = count <= StackValueLimit ? stackalloc TValue[StackValueLimit] : (rented = ArrayPool<TValue>.Shared.Rent(count));
        try
        {
            values = values[..count];
            sum = TValue.Zero;
            if (!map.TryLookup(key, values))
            {
                return false;
            }
            foreach (var value in values)
            {
                sum += value;
            }
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<TValue>.Shared.Return(rented);
            }
        }
    }
}
