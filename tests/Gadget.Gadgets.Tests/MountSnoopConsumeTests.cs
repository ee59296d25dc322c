using System.Globalization;
using System.Text;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// <see cref="MountSnoop"/> read in place: the real mount(2), failed mount and umount2(2) of
/// <see cref="MountSnoopTests.Script"/> (in a private mount namespace) arrive as <see cref="MountEventView"/>s with the
/// arguments and results the script printed, reading allocates nothing, and <see cref="MountEventView.ToEvent"/> is what
/// a second gadget's ReadAsync gives.
/// </summary>
[Collection("gadgets")]
public sealed class MountSnoopConsumeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task MountsAreSeenInPlace_WithoutAllocating_AndToEventIsWhatReadAsyncGives()
    {
        await using var checking = MountSnoop.Start(new GadgetOptions());
        await using var converting = MountSnoop.Start(new GadgetOptions());
        await using var reading = MountSnoop.Start(new GadgetOptions());
        await using var read = new EventCollector<MountEvent>(reading.ReadAsync());
        var output = MountSnoopTests.Run("unshare", "-m", "--propagation", "private", "python3", "-c", MountSnoopTests.Script);
        var pid = int.Parse(output["pid"], CultureInfo.InvariantCulture);
        var directory = output["dir"];
        Assert.Equal(("0", "-19", "0"), (output["mount"], output["bad"], output["umount"]));

        // unshare's own mount(2) (MS_REC|MS_PRIVATE on /), then the script's three calls, with what it passed.
        Expected[] expected =
        [
            new(MountOperation.Mount, null, "/", null, null, 16384 | 262144, 0),
            new(MountOperation.Mount, "gadget-tmpfs", directory, "tmpfs", "size=1m,mode=0700", 6, 0),
            new(MountOperation.Mount, "gadget-none", directory, "gadgetnosuchfs", "", 0, -19),
            new(MountOperation.Unmount, "", directory, "", "", 2, 0),
        ];
        var checks = new Checks(pid, expected);
        var allocated = await ViewReading.ConsumeUntilAsync(checking, checks, () => checks.Seen == expected.Length);
        var converted = new ViewReading.Collector<MountEvent, MountEventView>(v => v.Process.Pid == pid, v => v.ToEvent());
        await ViewReading.ConsumeUntilAsync(converting, converted, () => converted.Events.Count == expected.Length);

        Assert.Equal(expected.Length, checks.Seen);
        Assert.Equal(0, checks.Mismatches);
        Assert.Equal(0, allocated);
        var fromRead = await read.WaitForCountAsync(e => e.Pid == pid, expected.Length, Timeout);
        Assert.Equal(expected.Length, converted.Events.Count);
        Assert.Equal(expected.Length, fromRead.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            // Two gadgets, two BPF programs: each read the clock itself, the rest is the same.
            Assert.True((converted.Events[i].Timestamp - fromRead[i].Timestamp).Duration() < TimeSpan.FromSeconds(1));
            Assert.Equal(fromRead[i] with { Timestamp = default }, converted.Events[i] with { Timestamp = default });
        }
        Assert.Equal(["MS_REC|MS_PRIVATE", "MS_NOSUID|MS_NODEV", "0", "MNT_DETACH"], converted.Events.Select(e => e.FlagNames));
        Assert.Equal(["OK", "OK", "ENODEV", "OK"], converted.Events.Select(e => e.Result));
    }

    /// <summary>One call as the script made it (null: not checked).</summary>
    private sealed record Expected(MountOperation Operation, string? Source, string Target, string? FileSystemType, string? Data, ulong Flags, int ReturnValue)
    {
        public byte[]?[] Texts { get; } = [Bytes(Source), Bytes(Target), Bytes(FileSystemType), Bytes(Data)];

        private static byte[]? Bytes(string? text) => text is null ? null : Encoding.UTF8.GetBytes(text);
    }

    // Checks the calls of the script's process in place, in order; keeps nothing but counts (no allocation).
    private sealed class Checks(int pid, Expected[] expected) : IEventViewHandler<MountEventView>
    {
        public int Seen { get; private set; }

        public int Mismatches { get; private set; }

        public void OnEvent(in MountEventView mount)
        {
            var process = mount.Process;
            if (process.Pid != pid || Seen == expected.Length)
            {
                return;
            }
            var e = expected[Seen++];
            var texts = e.Texts;
            if (mount.Operation != e.Operation || mount.Flags != e.Flags || mount.ReturnValue != e.ReturnValue || mount.Error != -e.ReturnValue
                || !Same(texts[0], mount.SourceUtf8) || !Same(texts[1], mount.TargetUtf8) || !Same(texts[2], mount.FileSystemTypeUtf8) || !Same(texts[3], mount.DataUtf8)
                || !(process.CommUtf8.SequenceEqual("unshare"u8) || process.CommUtf8.StartsWith("python3"u8)) || process.ParentPid != Environment.ProcessId
                || mount.Container is not null || mount.CgroupId == 0 || (mount.Timestamp - DateTimeOffset.UtcNow).Duration() > Timeout)
            {
                Mismatches++;
            }
        }

        private static bool Same(byte[]? expected, ReadOnlySpan<byte> actual) => expected is null || actual.SequenceEqual(expected);
    }
}
