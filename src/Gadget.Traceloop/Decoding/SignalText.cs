using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Gadget.Traceloop.Decoding;

/// <summary>Signal sets and <c>struct sigaction</c> as strace prints them (the kernel's layouts, the same on x86-64 and arm64).</summary>
internal static class SignalText
{
    /// <summary>The kernel's sigset_t: 64 signals, 8 bytes.</summary>
    public const int SigsetSize = 8;

    /// <summary>The kernel's struct sigaction: handler, flags, restorer, mask (8 bytes each).</summary>
    public const int SigactionSize = 32;

    private const ulong SaRestorer = 0x04000000;

    /// <summary>SA_* flags in strace's order.</summary>
    public static FlagTable SigactionFlags { get; } = new("SA_???",
        (0x04000000, "SA_RESTORER"), (0x08000000, "SA_ONSTACK"), (0x10000000, "SA_RESTART"), (0x40000000, "SA_NODEFER"),
        (0x80000000, "SA_RESETHAND"), (0x4, "SA_SIGINFO"), (0x1, "SA_NOCLDSTOP"), (0x2, "SA_NOCLDWAIT"));

    /// <summary>Appends <c>[INT TERM]</c>, or <c>~[RTMIN RT_1]</c> (the signals not in the set) when at least half are in it.</summary>
    public static void AppendSigset(StringBuilder destination, ulong mask)
    {
        if (BitOperations.PopCount(mask) >= 32)
        {
            destination.Append('~');
            mask = ~mask;
        }
        destination.Append('[');
        bool first = true;
        for (int bit = 0; bit < 64; bit++)
        {
            if ((mask & (1UL << bit)) == 0)
            {
                continue;
            }
            if (!first)
            {
                destination.Append(' ');
            }
            first = false;
            var name = SignalNames.GetName(bit + 1)!;
            destination.Append(name, 3, name.Length - 3);
        }
        destination.Append(']');
    }

    /// <summary>Appends <c>{sa_handler=SIG_DFL, sa_mask=[], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7f..}</c>.</summary>
    public static void AppendSigaction(StringBuilder destination, ReadOnlySpan<byte> data)
    {
        ulong handler = BinaryPrimitives.ReadUInt64LittleEndian(data);
        ulong flags = BinaryPrimitives.ReadUInt64LittleEndian(data[8..]);
        ulong restorer = BinaryPrimitives.ReadUInt64LittleEndian(data[16..]);
        ulong mask = BinaryPrimitives.ReadUInt64LittleEndian(data[24..]);
        destination.Append("{sa_handler=");
        switch (handler)
        {
            case 0:
                destination.Append("SIG_DFL");
                break;
            case 1:
                destination.Append("SIG_IGN");
                break;
            case ulong.MaxValue:
                destination.Append("SIG_ERR");
                break;
            default:
                StraceText.AppendHex(destination, handler);
                break;
        }
        destination.Append(", sa_mask=");
        AppendSigset(destination, mask);
        destination.Append(", sa_flags=");
        if (flags > uint.MaxValue)
        {
            SigactionFlags.AppendFlags(destination, flags);
        }
        else
        {
            SigactionFlags.AppendKnownFlags(destination, (uint)flags, separatorFirst: false);
        }
        if ((flags & SaRestorer) != 0)
        {
            destination.Append(", sa_restorer=");
            StraceText.AppendPointer(destination, restorer);
        }
        destination.Append('}');
    }
}
