using System.Globalization;
using System.Runtime.InteropServices;
using Gadget.Gadgets.Symbols;

namespace Gadget.Gadgets.Tests;

/// <summary>
/// The profiler's symbolizers on plain text and files: kallsyms, perf maps, /proc/PID/maps lines, CPU lists; ELF symbols
/// compared with what llvm-nm reads from a program clang built here, and a live address of this process's libc. In the
/// gadgets collection: the processes and files it opens would otherwise show up in the descriptor counts of the leak tests.
/// </summary>
[Collection("gadgets")]
public sealed class SymbolizerTests
{
    [Fact]
    public void Kallsyms_KeepsFunctionsAndFindsTheOneHoldingAnAddress()
    {
        var symbols = KernelSymbols.Parse(new StringReader("""
            ffffffff81000000 T _stext
            ffffffff81001000 t do_thing
            ffffffff81001800 D some_data
            ffffffff81002000 W weak_fn
            ffffffffc0a01000 t mod_fn	[nf_tables]
            """));
        Assert.False(symbols.AddressesHidden);
        Assert.Equal(4, symbols.Count); // the data symbol is left out
        Assert.Equal("_stext", symbols.Find(0xffffffff81000000));
        Assert.Equal("do_thing", symbols.Find(0xffffffff81001900)); // past the data symbol: still in do_thing
        Assert.Equal("weak_fn", symbols.Find(0xffffffff81002004));
        Assert.Equal("mod_fn", symbols.Find(0xffffffffc0a01010));
        Assert.Null(symbols.Find(0xffffffff80000000));
    }

    [Fact]
    public void Kallsyms_AllZeroAddresses_AreHidden()
    {
        var symbols = KernelSymbols.Parse(new StringReader("0000000000000000 T _stext\n0000000000000000 t do_thing\n"));
        Assert.True(symbols.AddressesHidden);
        Assert.Equal(0, symbols.Count);
        Assert.Null(symbols.Find(0xffffffff81000000));
    }

    [Fact]
    public void Kallsyms_OfThisKernel_HaveAddresses()
    {
        // As root (the tests' user) with kptr_restrict below 2, the kernel shows real addresses.
        var restrict = int.Parse(File.ReadAllText("/proc/sys/kernel/kptr_restrict").Trim(), CultureInfo.InvariantCulture);
        var symbols = KernelSymbols.Load();
        Assert.Equal(restrict == 2, symbols.AddressesHidden);
        if (!symbols.AddressesHidden)
        {
            var line = File.ReadLines("/proc/kallsyms").First(l => l.EndsWith(" T do_syscall_64", StringComparison.Ordinal));
            Assert.Equal("do_syscall_64", symbols.Find(ulong.Parse(line[..16], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture) + 1));
        }
    }

    [Fact]
    public void PerfMap_FindsJittedRangesAndSkipsMalformedLines()
    {
        var map = PerfMap.Parse(new StringReader("""
            7F5F1C2E4A50 1C instance void [System.Private.CoreLib] System.Threading.Thread::StartCallback()[OptimizedTier1]
            0x7F5F1C2E5000 100 void [Tests] Tests.Spin::Run(int32)[OSR]
            garbage line
            7F5F1C2E6000 0 zero sized
            7F5F1C2E7000
            """));
        Assert.Equal(2, map.Count);
        Assert.Equal("instance void [System.Private.CoreLib] System.Threading.Thread::StartCallback()[OptimizedTier1]", map.Find(0x7F5F1C2E4A50));
        Assert.Null(map.Find(0x7F5F1C2E4A50 + 0x1C)); // one past its size
        Assert.Equal("void [Tests] Tests.Spin::Run(int32)[OSR]", map.Find(0x7F5F1C2E50FF));
        Assert.Null(map.Find(0x7F5F1C2E5100));
        Assert.Null(PerfMap.Load("/nonexistent/perf-1.map"));
    }

    [Theory]
    [InlineData("00400000-00452000 r-xp 00001000 fd:01 1234567                            /usr/bin/my prog", 0x400000UL, 0x452000UL, true, 0x1000UL, "fd:01", 1234567UL, "/usr/bin/my prog", true, false)]
    [InlineData("7ffd1c5e0000-7ffd1c601000 rw-p 00000000 00:00 0                          [stack]", 0x7ffd1c5e0000UL, 0x7ffd1c601000UL, false, 0UL, "00:00", 0UL, "[stack]", false, false)]
    [InlineData("7f0000000000-7f0000001000 r-xs 00000000 00:01 42 /memfd:doublemapper (deleted)", 0x7f0000000000UL, 0x7f0000001000UL, true, 0UL, "00:01", 42UL, "/memfd:doublemapper (deleted)", true, true)]
    [InlineData("7f0000000000-7f0000001000 rw-p 00000000 00:00 0", 0x7f0000000000UL, 0x7f0000001000UL, false, 0UL, "00:00", 0UL, "", false, false)]
    public void MapsLines_Parse(string line, ulong start, ulong end, bool executable, ulong offset, string device, ulong inode, string path, bool isFile, bool isDeleted)
    {
        Assert.True(MemoryMapping.TryParse(line, out var m));
        Assert.Equal(new MemoryMapping(start, end, executable, offset, device, inode, path), m);
        Assert.Equal(isFile, m.IsFile);
        Assert.Equal(isDeleted, m.IsDeleted);
    }

    [Theory]
    [InlineData("")]
    [InlineData("00400000 r-xp 00000000 fd:01 1")]
    [InlineData("zz-00452000 r-xp 00000000 fd:01 1 /x")]
    [InlineData("00400000-00452000 r-xp")]
    public void MalformedMapsLines_AreRefused(string line) => Assert.False(MemoryMapping.TryParse(line, out _));

    [Theory]
    [InlineData("0\n", new[] { 0 })]
    [InlineData("0-3\n", new[] { 0, 1, 2, 3 })]
    [InlineData("0-1,4,6-7", new[] { 0, 1, 4, 6, 7 })]
    public void CpuLists_Parse(string text, int[] cpus) => Assert.Equal(cpus, OnlineCpus.Parse(text));

    [Fact]
    public void OnlineCpus_AreThoseGetconfCounts()
    {
        // getconf counts the online CPUs through sysconf(_SC_NPROCESSORS_ONLN) (Environment.ProcessorCount follows the
        // affinity mask and the cgroup's quota instead).
        var (code, output) = SpinProgram.Run("getconf", "_NPROCESSORS_ONLN");
        Assert.Equal(0, code);
        Assert.Equal(int.Parse(output.Trim(), CultureInfo.InvariantCulture), OnlineCpus.Read().Count);
    }

    [Fact]
    public void ElfSymbols_MatchLlvmNm()
    {
        var elf = ElfSymbols.Load(SpinProgram.Binary);
        Assert.NotNull(elf);
        var (code, output) = SpinProgram.Run("llvm-nm-19", "--defined-only", "-S", SpinProgram.Binary);
        Assert.Equal(0, code);
        var checkedNames = 0;
        foreach (var name in (string[])["main", SpinProgram.SpinFunction, SpinProgram.SyscallFunction])
        {
            // "ADDRESS SIZE T NAME"
            var fields = output.Split('\n').Select(l => l.Split(' ')).Single(f => f.Length == 4 && f[3] == name && f[2] is "T" or "t");
            var address = ulong.Parse(fields[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            var size = ulong.Parse(fields[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            Assert.Equal(name, elf.Find(address));
            Assert.Equal(name, elf.Find(address + size - 1));
            Assert.NotEqual(name, elf.Find(address + size));
            checkedNames++;
        }
        Assert.Equal(3, checkedNames);
    }

    [Fact]
    public void ElfSymbols_RefuseWhatIsNotAnElfFile()
    {
        Assert.Null(ElfSymbols.Parse(new byte[100]));
        Assert.Null(ElfSymbols.Parse("\u007fELF"u8.ToArray()));
        Assert.Null(ElfSymbols.Load("/nonexistent/lib.so"));
    }

    [Fact]
    public void UserSymbolizer_NamesALiveLibcFunctionOfThisProcess()
    {
        var libc = NativeLibrary.Load("libc.so.6");
        var getppid = (ulong)NativeLibrary.GetExport(libc, "getppid");
        var symbolizer = new UserSymbolizer();
        // glibc exports getppid with an alias (__getppid) at the same address: either names it.
        Assert.EndsWith("getppid", symbolizer.Resolve(Environment.ProcessId, getppid + 1), StringComparison.Ordinal);
        var files = symbolizer.FilesRead;
        Assert.EndsWith("getppid", symbolizer.Resolve(Environment.ProcessId, getppid), StringComparison.Ordinal);
        Assert.Equal(files, symbolizer.FilesRead); // cached per device and inode
        Assert.Equal(UserSymbolizer.Unknown, symbolizer.Resolve(Environment.ProcessId, 8)); // the unmapped first page
    }
}
