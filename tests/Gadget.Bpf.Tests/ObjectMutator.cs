namespace Gadget.Bpf.Tests;

/// <summary>
/// A deterministic mutator of ELF bytes (xorshift64*, seeded): changes 1-4 bytes of a copy of the input, half of the time in
/// the ELF header or the section header table (where a wrong offset, size or index sends a parser out of bounds), otherwise
/// anywhere; sometimes it sets a byte to an edge value (0x00, 0x7f, 0x80, 0xff) or truncates the copy.
/// </summary>
internal sealed class ObjectMutator(ulong seed)
{
    private ulong _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;

    internal byte[] Mutate(byte[] original)
    {
        var bytes = (byte[])original.Clone();
        var sectionHeaders = (int)Math.Min((ulong)bytes.Length, BitConverter.ToUInt64(original, 0x28));
        var sectionHeadersEnd = Math.Min(bytes.Length, sectionHeaders + BitConverter.ToUInt16(original, 0x3c) * 64);
        var changes = 1 + Next(4);
        for (var i = 0; i < changes; i++)
        {
            var position = Next(4) switch
            {
                0 => Next(64),                                                                              // ELF header
                1 => sectionHeaders + Next(Math.Max(1, sectionHeadersEnd - sectionHeaders)),                // section headers
                _ => Next(bytes.Length),                                                                    // anywhere
            };
            bytes[position] = Next(4) == 0 ? (byte)(Next(4) switch { 0 => 0x00, 1 => 0x7f, 2 => 0x80, _ => 0xff }) : (byte)Next(256);
        }
        return Next(50) == 0 ? bytes[..Next(bytes.Length)] : bytes;
    }

    private int Next(int bound)
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return (int)((_state * 0x2545F4914F6CDD1DUL >> 33) % (ulong)bound);
    }
}
