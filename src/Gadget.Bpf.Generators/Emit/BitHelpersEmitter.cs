namespace Gadget.Bpf.Generators.Emit;

/// <summary>
/// The private helpers a struct with bitfields gets: read and write <c>bitCount</c> bits at <c>bitOffset</c> of the struct's
/// bytes (BTF bit offsets count from the struct's first byte, least significant bit first: little-endian, as every BPF
/// target Gadget builds for is), sign-extending signed fields. A loop over the bits: no allocation, no unaligned access.
/// </summary>
internal static class BitHelpersEmitter
{
    public static void Emit(CodeWriter writer)
    {
        var self = "global::System.Runtime.CompilerServices.Unsafe";
        var span = "global::System.Runtime.InteropServices.MemoryMarshal";
        writer.Line();
        writer.Open("private static ulong ReadBits(in byte first, int bitOffset, int bitCount, bool signed)");
        writer.Line("ulong value = 0;");
        writer.Open("for (var i = 0; i < bitCount; i++)");
        writer.Line($"var bit = bitOffset + i;");
        writer.Line($"value |= (ulong)(({self}.Add(ref {self}.AsRef(in first), bit >> 3) >> (bit & 7)) & 1) << i;");
        writer.Close();
        writer.Line("return signed && bitCount < 64 && (value >> (bitCount - 1)) != 0 ? value | (ulong.MaxValue << bitCount) : value;");
        writer.Close();
        writer.Open("private static ulong ReadBits<T>(in T self, int bitOffset, int bitCount, bool signed) where T : unmanaged");
        writer.Line($"return ReadBits(in {self}.As<T, byte>(ref {self}.AsRef(in self)), bitOffset, bitCount, signed);");
        writer.Close();
        writer.Open("private static void WriteBits<T>(ref T self, int bitOffset, int bitCount, ulong value) where T : unmanaged");
        writer.Line($"var bytes = {span}.AsBytes({span}.CreateSpan(ref self, 1));");
        writer.Open("for (var i = 0; i < bitCount; i++)");
        writer.Line("var bit = bitOffset + i;");
        writer.Line("var mask = (byte)(1 << (bit & 7));");
        writer.Line("bytes[bit >> 3] = (byte)(((value >> i) & 1) != 0 ? bytes[bit >> 3] | mask : bytes[bit >> 3] & ~mask);");
        writer.Close();
        writer.Close();
    }
}
