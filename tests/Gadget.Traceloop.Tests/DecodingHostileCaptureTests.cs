using Gadget.Traceloop.Decoding;
using System.Text.Json;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// What a traced process puts in its syscalls' buffers is the recorder's input: a process in a container chooses every
/// byte of the paths, socket addresses, message headers, iovecs and stat buffers that end up in its history. The decoder
/// must print any such bytes, and any arguments and return values, as one line of text and one valid JSON object, and
/// never throw: a dump that throws loses the history (the agent's dump answers 500, the CLI dies).
/// </summary>
public sealed class DecodingHostileCaptureTests
{
    private static readonly ulong[] InterestingValues =
    [
        0, 1, 2, 3, 7, 8, 16, 64, 127, 128, 255, 256, 4095, 4096, 65535, 65536, 0x7fffffff, 0x80000000, 0xffffffff,
        0x100000000, 0x7fffffffffffffff, 0x8000000000000000, ulong.MaxValue, ulong.MaxValue - 1, unchecked((ulong)-100),
        unchecked((ulong)-4095), 0x7ffd0000_1000,
    ];

    private static readonly CaptureStatus[] Statuses = [CaptureStatus.Complete, CaptureStatus.Truncated, CaptureStatus.Unreadable];

    public static TheoryData<SyscallArchitecture> Architectures() =>
        [SyscallArchitecture.X86_64, SyscallArchitecture.Arm64, SyscallArchitecture.I386, SyscallArchitecture.Arm32];

    [Theory]
    [MemberData(nameof(Architectures))]
    public void EverySyscallWithArbitraryArgumentsAndCapturedBytesDecodesToOneLineAndValidJson(SyscallArchitecture architecture)
    {
        var table = SyscallTable.For(architecture);
        var is32Bit = architecture is SyscallArchitecture.I386 or SyscallArchitecture.Arm32;
        var catalog = is32Bit ? SyscallCatalog.Current : new SyscallCatalog(table, SyscallSignatureProvider.Shared);
        var text = new SyscallFormatter(new SyscallFormatterOptions { IncludeThreadId = true, IncludeTimestamp = true }, catalog);
        var json = new SyscallJsonFormatter(text);
        var random = new Random(20261206 + (int)architecture);
        var numbers = Enumerable.Range(0, 480).Where(n => table.GetName(n) is not null).Append(470).Append(-1).Append(1000).ToArray();
        var decoded = 0;
        foreach (var number in numbers)
        {
            for (var round = 0; round < 40; round++)
            {
                var record = RandomRecord(random, number, is32Bit, round);
                string line, jsonLine;
                try
                {
                    line = text.Format(record);
                    jsonLine = json.Format(record);
                }
                catch (Exception e)
                {
                    Assert.Fail($"{table.GetName(number) ?? number.ToString()} (round {round}): {e.GetType().Name}: {e.Message}\n{Describe(record)}\n{e}");
                    throw;
                }

                Assert.False(line.Contains('\n') || line.Contains('\r'), $"a line break in {line}\n{Describe(record)}");
                Assert.DoesNotContain(line, c => char.IsControl(c));
                using (var document = JsonDocument.Parse(jsonLine))
                {
                    Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
                }

                decoded++;
            }
        }

        Assert.True(decoded > 40 * 300, $"only {decoded} records decoded");
    }

    private static SyscallRecord RandomRecord(Random random, int number, bool is32Bit, int round)
    {
        var arguments = new ulong[6];
        for (var i = 0; i < 6; i++)
        {
            arguments[i] = random.Next(3) switch
            {
                0 => InterestingValues[random.Next(InterestingValues.Length)],
                1 => (ulong)random.NextInt64() ^ ((ulong)random.Next() << 33),
                _ => (ulong)random.Next(64),
            };
        }

        long? returnValue = random.Next(6) switch
        {
            0 => null,
            1 => -random.Next(1, 600),
            2 => random.Next(0, 70000),
            3 => random.NextInt64(),
            4 => (long)InterestingValues[random.Next(InterestingValues.Length)],
            _ => random.Next(0, 64),
        };
        var captures = new List<CapturedArgument>();
        // Every argument captured in some rounds (as if the spec said so), none or a few in others; now and then the
        // same index twice (an input read again at exit).
        for (var i = 0; i < 6; i++)
        {
            if (round % 4 != 0 && random.Next(3) == 0)
            {
                continue;
            }

            captures.Add(new CapturedArgument(i, RandomBytes(random), Statuses[random.Next(Statuses.Length)]));
            if (random.Next(10) == 0)
            {
                captures.Add(new CapturedArgument(i, RandomBytes(random), Statuses[random.Next(Statuses.Length)]));
            }
        }

        return new SyscallRecord
        {
            TimestampNs = (ulong)random.NextInt64(),
            ExitTimestampNs = returnValue is null ? null : (ulong)random.NextInt64(),
            Cpu = random.Next(256),
            ProcessId = random.Next(),
            ThreadId = random.Next(),
            Command = new string([.. RandomBytes(random).Take(16).Select(b => (char)b)]),
            Number = number,
            Is32Bit = is32Bit,
            Arguments = arguments,
            ReturnValue = returnValue,
            Captured = captures,
        };
    }

    private static byte[] RandomBytes(Random random)
    {
        var length = random.Next(6) switch
        {
            0 => 0,
            1 => random.Next(1, 8),
            2 => random.Next(8, 40),
            3 => random.Next(40, 300),
            4 => random.Next(300, 4200),
            _ => 16 * random.Next(1, 12),
        };
        var bytes = new byte[length];
        switch (random.Next(4))
        {
            case 0: random.NextBytes(bytes); break;
            case 1: Array.Fill(bytes, (byte)0xff); break;
            case 2: for (var i = 0; i < length; i++) bytes[i] = (byte)"\n\r\t\"\\\0\x1b+~ a/é"[random.Next(13)]; break;
            default: break; // zeros
        }

        return bytes;
    }

    private static string Describe(SyscallRecord record) =>
        $"nr {record.Number}, args [{string.Join(", ", record.Arguments.Select(a => $"0x{a:x}"))}], ret {record.ReturnValue}, " +
        $"captures [{string.Join(", ", record.Captured.Select(c => $"{c.Index}:{c.Status}:{Convert.ToHexString(c.Data.Span)}"))}]";
}
