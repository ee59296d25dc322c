using System.Diagnostics;
using System.Globalization;
using Gadget.Gadgets.Symbols;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// The profiler names a process's frames from files the process controls (the files it maps, its perf map), and it does
/// so as root. A real process here plants what a hostile one would: a link from its mapped program's path to a FIFO,
/// hidden under a mount of its own; perf maps that are links to host files, FIFOs, devices, or owned by another user.
/// The symbolizer must neither hang, nor read the host's files, nor believe another user's map, and still name what it
/// should (the file really mapped, a map the process owns, a link that stays inside the process's root).
/// </summary>
[Collection("gadgets")]
public sealed class HostileSymbolSourcesTests
{
    private const string Unnamed = "[[stack]+0x100]";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void AMappedProgramWhosePathNowLeadsToAFifo_IsNamedFromTheFileItMapped()
    {
        using var directory = new TemporaryDirectory("gadget-hostile-elf-");
        var program = Path.Combine(directory.Path, "profspin");
        File.Copy(SpinProgram.Binary, program);
        var fifo = Path.Combine(directory.Path, "fifo");
        Assert.Equal(0, SpinProgram.Run("mkfifo", fifo).Code);
        var hidden = Path.Combine(directory.Path, "hidden");
        Directory.CreateDirectory(hidden);
        File.Move(program, Path.Combine(hidden, "profspin"));
        program = Path.Combine(hidden, "profspin");

        // In a mount namespace of its own, the program runs, then a tmpfs covers its directory with a link where the
        // program was: /proc/PID/maps still names the old path, and through /proc/PID/root that path now leads to the
        // link, which an absolute target makes the host's FIFO.
        using var shell = Start("unshare", "-m", "--propagation", "private", "sh", "-c",
            $"{program} spin 120 & echo $!; sleep 0.3; mount -t tmpfs tmpfs {hidden} && ln -s {fifo} {program} && echo planted; wait");
        try
        {
            var pid = int.Parse(shell.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
            Assert.Equal("planted", shell.StandardOutput.ReadLine());
            Assert.Equal(fifo, new FileInfo($"/proc/{pid}/root{program}").LinkTarget); // the trap is set
            var address = FunctionAddress(SpinProgram.SpinFunction);

            var name = ResolveWithin(pid, address + 1, fifo);

            Assert.Equal(SpinProgram.SpinFunction, name);
        }
        finally
        {
            shell.Kill(entireProcessTree: true);
            shell.WaitForExit();
        }
    }

    [Fact]
    public void APerfMapIsReadOnlyWhenItIsTheProcesssOwnInsideItsRoot()
    {
        using var root = new TemporaryDirectory("gadget-hostile-root-");
        File.Copy(SpinProgram.Binary, Path.Combine(root.Path, "profspin"));
        Directory.CreateDirectory(Path.Combine(root.Path, "tmp"));
        Directory.CreateDirectory(Path.Combine(root.Path, "maps"));
        const uint ProcessUser = 65534, OtherUser = 4242;

        // A static program chrooted (its own root, as a container's), running as an unprivileged user.
        using var process = Start("unshare", $"--root={root.Path}", "--setuid", $"{ProcessUser}", "--setgid", $"{ProcessUser}", "/profspin", "spin", "120");
        try
        {
            var pid = process.Id;
            var stack = WaitForStack(pid);
            var address = stack.Start + 0x100; // no file: only a perf map can name it
            var line = $"{stack.Start:x} {stack.End - stack.Start:x} ";
            var mapPath = Path.Combine(root.Path, "tmp", $"perf-{pid}.map");
            using var host = new TemporaryDirectory("gadget-host-map-");
            var hostMap = Path.Combine(host.Path, "secret.map");
            File.WriteAllText(hostMap, line + "read_from_the_host\n");

            // A link to the host's file: resolved inside the process's root, where no such file is.
            File.CreateSymbolicLink(mapPath, hostMap);
            Assert.Equal(Unnamed, ResolveWithin(pid, address, null));

            // A FIFO nobody writes: not waited for.
            File.Delete(mapPath);
            Assert.Equal(0, SpinProgram.Run("mkfifo", mapPath).Code);
            Assert.Equal(Unnamed, ResolveWithin(pid, address, mapPath));

            // /dev/zero's device node: its endless zeros are not read.
            File.Delete(mapPath);
            Assert.Equal(0, SpinProgram.Run("mknod", mapPath, "c", "1", "5").Code);
            Assert.Equal(Unnamed, ResolveWithin(pid, address, null));

            // Another user's map (the first to create the name in a shared /tmp): not believed.
            File.Delete(mapPath);
            WriteMap(mapPath, line + "planted_by_another_user\n", OtherUser);
            Assert.Equal(Unnamed, ResolveWithin(pid, address, null));

            // The process's own map, and root's: read.
            WriteMap(mapPath, line + "written_by_the_process\n", ProcessUser);
            Assert.Equal("written_by_the_process", ResolveWithin(pid, address, null));
            WriteMap(mapPath, line + "written_by_root\n", 0);
            Assert.Equal("written_by_root", ResolveWithin(pid, address, null));

            // A link that stays inside the process's root: followed there.
            File.Delete(mapPath);
            WriteMap(Path.Combine(root.Path, "maps", "real.map"), line + "linked_inside_the_root\n", ProcessUser);
            File.CreateSymbolicLink(mapPath, "/maps/real.map");
            Assert.Equal("linked_inside_the_root", ResolveWithin(pid, address, null));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    [Fact]
    public void AnElfFileThatIsAWellFormedSmallOne_IsRead()
    {
        var (strings, offsets) = ElfImage.Strings(["first", "second"]);
        var elf = ElfSymbols.Parse(ElfImage.Build(strings, [new(offsets[0], 0x1000, 0x10), new(offsets[1], 0x1010, 0x10)]));

        Assert.NotNull(elf);
        Assert.Equal(2, elf.Count);
        Assert.Equal("first", elf.Find(0x100f));
        Assert.Equal("second", elf.Find(0x1010));
    }

    [Fact]
    public void AnElfFileThatNamesOneSymbolTableThousandsOfTimes_IsReadOnce()
    {
        var names = Enumerable.Range(0, 500).Select(i => $"function_{i}").ToList();
        var (strings, offsets) = ElfImage.Strings(names);
        var functions = offsets.Select((offset, i) => new ElfImage.Function(offset, 0x1000 + (ulong)i * 0x10, 0x10)).ToList();

        var elf = ElfSymbols.Parse(ElfImage.Build(strings, functions, symbolTableHeaders: 2000));

        Assert.NotNull(elf);
        Assert.Equal(500, elf.Count); // not 2000 x 500
        Assert.Equal("function_499", elf.Find(0x1000 + 499 * 0x10));
    }

    [Fact]
    public void AnElfFileWithALinkPastAnyIndexOrANameWithoutEnd_IsReadWithoutThem()
    {
        var (strings, offsets) = ElfImage.Strings(["fine", new string('A', 1 << 20)]);
        var functions = new List<ElfImage.Function> { new(offsets[0], 0x1000, 0x10), new(offsets[1], 0x2000, 0x10) };

        // A string table link of 2^32-1: read as the index -1, it threw out of the reader (and out of the profile).
        var negative = ElfSymbols.Parse(ElfImage.Build(strings, functions, link: 0xFFFF_FFFF));
        Assert.NotNull(negative);
        Assert.Equal(0, negative.Count);

        // A name of a mebibyte is no function's name: left out, the other symbol read.
        var elf = ElfSymbols.Parse(ElfImage.Build(strings, functions));
        Assert.NotNull(elf);
        Assert.Equal("fine", elf.Find(0x1000));
        Assert.Null(elf.Find(0x2000));
    }

    [Fact]
    public void FoldedStacks_CarryNoControlCharacterOfTheProcesssNames()
    {
        var stack = new CpuProfileStack
        {
            Pid = 1,
            Comm = "ev\u001b[7mil",
            CgroupId = 1,
            Samples = 1,
            KernelFrames = ["do_syscall_64"],
            UserFrames = ["inner\r\nFAKE 99", "a;b\u0085\u007f\t"],
        };

        var folded = stack.Folded;

        Assert.DoesNotContain(folded, char.IsControl);
        Assert.Equal(@"ev\x1b[7mil;a:b\x85\x7f\x09;inner\x0d\x0aFAKE 99;do_syscall_64_[k]", folded);
    }

    private static string ResolveWithin(int pid, ulong address, string? fifoToRelease)
    {
        var resolve = Task.Run(() => new UserSymbolizer().Resolve(pid, address));
        if (!resolve.Wait(Patience))
        {
            if (fifoToRelease is not null)
            {
                // Release the blocked open so that the test host can go on.
                _ = Task.Run(() => File.OpenWrite(fifoToRelease).Dispose());
            }
            Assert.Fail($"symbolizing pid {pid} did not return within {Patience.TotalSeconds} s (blocked on a file the process planted)");
        }
        return resolve.Result;
    }

    private static void WriteMap(string path, string text, uint owner)
    {
        File.WriteAllText(path, text);
        Assert.Equal(0, SpinProgram.Run("chown", $"{owner}:{owner}", path).Code);
    }

    private static MemoryMapping WaitForStack(int pid)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Patience)
        {
            // Until unshare has exec'ed the program, the maps are unshare's own.
            if (File.ReadAllText($"/proc/{pid}/comm").Trim() == "profspin")
            {
                using var maps = new StreamReader($"/proc/{pid}/maps");
                return MemoryMapping.Parse(maps).Single(m => m.Path == "[stack]");
            }
            Thread.Sleep(20);
        }
        throw new TimeoutException("the program did not start");
    }

    private static ulong FunctionAddress(string name)
    {
        var (code, output) = SpinProgram.Run("llvm-nm-19", "--defined-only", SpinProgram.Binary);
        Assert.Equal(0, code);
        var fields = output.Split('\n').Select(l => l.Split(' ')).Single(f => f.Length == 3 && f[2] == name);
        return ulong.Parse(fields[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
    }

    private static Process Start(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        return Process.Start(info)!;
    }
}
