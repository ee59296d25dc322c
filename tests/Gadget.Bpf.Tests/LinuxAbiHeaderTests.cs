using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Gadget.Bpf.Interop;
using Gadget.Linux;

namespace Gadget.Bpf.Tests;

/// <summary>
/// Every value of the internal Linux ABI layer (src/Shared/Linux, and the perf ABI of Gadget.Bpf) against the C headers of
/// x86-64 (the host's gcc) and arm64 (the aarch64 cross compiler and libc6-dev-arm64-cross): the per-architecture values
/// against their own architecture's headers, the shared ones against both. Nothing is taken from a list written here but
/// the C spelling of each value; which values exist is read from the C# types, so a value added without a check fails.
/// </summary>
public sealed partial class LinuxAbiHeaderTests
{
    public static TheoryData<string> Targets => new() { "x86_64", "aarch64" };

    /// <summary>The C expression of each per-architecture value (the properties of <see cref="ArchitectureAbi"/>).</summary>
    private static readonly Dictionary<string, string> PerArchitecture = new()
    {
        [nameof(ArchitectureAbi.SysPerfEventOpen)] = "SYS_perf_event_open",
        [nameof(ArchitectureAbi.EpollEventSize)] = "sizeof(struct epoll_event)",
        [nameof(ArchitectureAbi.EpollEventDataOffset)] = "offsetof(struct epoll_event, data)",
    };

    /// <summary>Constants whose C spelling is not their C# name; any other constant of the checked types is named as in C.</summary>
    private static readonly Dictionary<string, string> Spelled = new()
    {
        [$"{nameof(PerfAbi)}.{nameof(PerfAbi.PerfPageDataHead)}"] = "offsetof(struct perf_event_mmap_page, data_head)",
        [$"{nameof(PerfAbi)}.{nameof(PerfAbi.PerfPageDataTail)}"] = "offsetof(struct perf_event_mmap_page, data_tail)",
        [$"{nameof(PerfAbi)}.{nameof(PerfAbi.PerfPageDataOffset)}"] = "offsetof(struct perf_event_mmap_page, data_offset)",
        [$"{nameof(PerfAbi)}.{nameof(PerfAbi.PerfPageDataSize)}"] = "offsetof(struct perf_event_mmap_page, data_size)",
        [$"{nameof(PerfAbi)}.{nameof(PerfAbi.PerfEventHeaderSize)}"] = "sizeof(struct perf_event_header)",
        [$"{nameof(Libc)}.{nameof(Libc.DIRENT64_NAME_OFFSET)}"] = "offsetof(struct dirent64, d_name)",
        [$"{nameof(LinuxSignals)}.{nameof(LinuxSignals.KernelRealTimeMin)}"] = "__SIGRTMIN",
        [$"{nameof(LinuxSignals)}.{nameof(LinuxSignals.Max)}"] = "__SIGRTMAX",
    };

    /// <summary>Constants no header defines: kernel-internal (include/linux/errno.h) or chosen by the C library at run time.</summary>
    private static readonly HashSet<string> NotInHeaders =
    [
        $"{nameof(LinuxErrno)}.{nameof(LinuxErrno.ENOTSUPP)}",
        $"{nameof(LinuxSignals)}.{nameof(LinuxSignals.LibcRealTimeMin)}",
    ];

    /// <summary>The C structures the layer declares: C# type, C type, C# field to C field.</summary>
    private static readonly (Type Type, string CType, Dictionary<string, string> Fields)[] Structures =
    [
        (typeof(Timespec), "struct timespec", new() { [nameof(Timespec.Seconds)] = "tv_sec", [nameof(Timespec.Nanoseconds)] = "tv_nsec" }),
        (typeof(ResourceLimit), "struct rlimit", new() { [nameof(ResourceLimit.Current)] = "rlim_cur", [nameof(ResourceLimit.Maximum)] = "rlim_max" }),
        (typeof(PollDescriptor), "struct pollfd", new()
        {
            [nameof(PollDescriptor.Descriptor)] = "fd", [nameof(PollDescriptor.Events)] = "events", [nameof(PollDescriptor.ReturnedEvents)] = "revents",
        }),
        (typeof(DlInfo), "Dl_info", new()
        {
            [nameof(DlInfo.FileName)] = "dli_fname", [nameof(DlInfo.FileBase)] = "dli_fbase",
            [nameof(DlInfo.SymbolName)] = "dli_sname", [nameof(DlInfo.SymbolAddress)] = "dli_saddr",
        }),
        (typeof(StatxBuffer), "struct statx", new()
        {
            [nameof(StatxBuffer.Mask)] = "stx_mask", [nameof(StatxBuffer.Uid)] = "stx_uid", [nameof(StatxBuffer.Gid)] = "stx_gid",
            [nameof(StatxBuffer.Mode)] = "stx_mode", [nameof(StatxBuffer.Inode)] = "stx_ino", [nameof(StatxBuffer.Size)] = "stx_size",
            [nameof(StatxBuffer.ChangedSeconds)] = "stx_ctime.tv_sec", [nameof(StatxBuffer.ChangedNanoseconds)] = "stx_ctime.tv_nsec",
        }),
        (typeof(OpenHow), "struct open_how", new()
        {
            [nameof(OpenHow.Flags)] = "flags", [nameof(OpenHow.Mode)] = "mode", [nameof(OpenHow.Resolve)] = "resolve",
        }),
    ];

    /// <summary>The types whose constants are ABI values.</summary>
    private static readonly Type[] ConstantTypes = [typeof(Libc), typeof(LinuxErrno), typeof(LinuxSignals), typeof(PerfAbi)];

    [SkippableTheory]
    [MemberData(nameof(Targets))]
    public void PerArchitectureValuesMatchTheirArchitecturesHeaders(string target)
    {
        var compiler = RequireCompiler(target);
        var abi = target == "x86_64" ? X64Abi.Values : Arm64Abi.Values;
        var values = typeof(ArchitectureAbi).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.PropertyType != typeof(string))
            .ToDictionary(p => p.Name, p => Convert.ToInt64(p.GetValue(abi), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(PerArchitecture.Keys.Order(), values.Keys.Order());

        var headers = CHeaderProbe.Evaluate(compiler, PerArchitecture);

        foreach (var (name, value) in values)
        {
            Assert.True(headers[name] == value, $"{abi.Name} {name}: C# says {value}, the {target} headers {headers[name]} ({PerArchitecture[name]})");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Targets))]
    public void SharedConstantsAndStructuresMatchTheHeaders(string target)
    {
        var compiler = RequireCompiler(target);
        var constants = ConstantTypes
            .SelectMany(type => type.GetFields(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
                .Where(field => field.IsLiteral && field.FieldType != typeof(string))
                .Select(field => (Key: $"{type.Name}.{field.Name}", Value: ToInt64(field.GetRawConstantValue()!), CName: field.Name)))
            .Where(constant => !NotInHeaders.Contains(constant.Key))
            .ToList();
        Assert.True(constants.Count > 40, $"only {constants.Count} constants found");
        var expressions = constants.ToDictionary(c => c.Key, c => Spelled.GetValueOrDefault(c.Key, c.CName));
        var expected = constants.ToDictionary(c => c.Key, c => c.Value);
        foreach (var (type, cType, fields) in Structures)
        {
            var declared = type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Select(f => f.Name);
            Assert.Equal(fields.Keys.Order(), declared.Order());
            expressions[$"{type.Name}.size"] = $"sizeof({cType})";
            expected[$"{type.Name}.size"] = Marshal.SizeOf(type);
            foreach (var (field, cField) in fields)
            {
                expressions[$"{type.Name}.{field}"] = $"offsetof({cType}, {cField})";
                expected[$"{type.Name}.{field}"] = Marshal.OffsetOf(type, field);
            }
        }

        var headers = CHeaderProbe.Evaluate(compiler, expressions);

        var wrong = expected.Where(e => headers[e.Key] != e.Value)
            .Select(e => $"{e.Key}: C# says {e.Value}, the {target} headers {headers[e.Key]} ({expressions[e.Key]})").ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [SkippableTheory]
    [MemberData(nameof(Targets))]
    public void ErrnoAndSignalTablesMatchTheHeaders(string target)
    {
        var compiler = RequireCompiler(target);
        // Every numbered errno the headers define is in the table, under that number.
        var errnoMacros = CHeaderProbe.NumericMacros(compiler, ErrnoName());
        Assert.True(errnoMacros.Count > 100, $"{errnoMacros.Count} errno macros in the {target} headers");
        var unnamed = errnoMacros.Where(m => LinuxErrno.Name((int)m.Value) is null).Select(m => m.Key).ToList();
        Assert.True(unnamed.Count == 0, $"{target} errno values missing from the table: {string.Join(", ", unnamed)}");

        // Every name of the table (but the kernel-internal ones, 512 and up) has its number in the headers; every signal too.
        var expressions = ErrnoTable.Entries.Where(e => e.Number < 512).ToDictionary(e => e.Name, e => e.Name);
        var expected = ErrnoTable.Entries.Where(e => e.Number < 512).ToDictionary(e => e.Name, e => (long)e.Number);
        for (var signal = 1; signal < LinuxSignals.KernelRealTimeMin; signal++)
        {
            var name = LinuxSignals.Name(signal)!;
            expressions[name] = name;
            expected[name] = signal;
        }

        var headers = CHeaderProbe.Evaluate(compiler, expressions);

        var wrong = expected.Where(e => headers[e.Key] != e.Value).Select(e => $"{e.Key}: table {e.Value}, {target} headers {headers[e.Key]}").ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void ThisProcessGetsItsArchitecturesValuesAndAnUnsupportedOneANamedError()
    {
        Assert.Same(X64Abi.Values, LinuxAbi.For(Architecture.X64));
        Assert.Same(Arm64Abi.Values, LinuxAbi.For(Architecture.Arm64));
        Assert.Same(LinuxAbi.For(RuntimeInformation.ProcessArchitecture), LinuxAbi.Current);
        var unsupported = Assert.Throws<PlatformNotSupportedException>(() => LinuxAbi.For(Architecture.S390x));
        Assert.Contains("S390x", unsupported.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheCLibrarysRealTimeSignalsStartWhereTheLayerSays()
    {
        // SIGRTMIN is the C library's choice at run time (glibc keeps 32 and 33): ask this process's glibc.
        Assert.Equal(LinuxSignals.LibcRealTimeMin, CurrentSigRtMin());
        Assert.Equal("SIGRTMIN+1", LinuxSignals.LibcName(LinuxSignals.LibcRealTimeMin + 1));
        Assert.Equal("SIGRT_3", LinuxSignals.StraceName(LinuxSignals.KernelRealTimeMin + 3));
    }

    private static string RequireCompiler(string target)
    {
        var compiler = CHeaderProbe.FindCompiler(target);
        Skip.If(compiler is null, $"{target}-linux-gnu-gcc is not installed (.ci/run installs gcc and gcc-aarch64-linux-gnu libc6-dev-arm64-cross)");
        return compiler!;
    }

    private static long ToInt64(object value) => value switch
    {
        nuint u => (long)u,
        nint i => i,
        ulong u => (long)u,
        _ => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
    };

    [LibraryImport("libc", EntryPoint = "__libc_current_sigrtmin")]
    private static partial int CurrentSigRtMin();

    [GeneratedRegex("^E[A-Z0-9]+$")]
    private static partial Regex ErrnoName();
}
