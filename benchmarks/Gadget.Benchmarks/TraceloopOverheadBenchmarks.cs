using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Gadget.Traceloop;

namespace Gadget.Benchmarks;

/// <summary>
/// What tracing costs a syscall-heavy workload: the same command run untraced, with empty programs on the syscall hooks
/// (the floor any syscall tracer pays), in a cgroup that traceloop does not record (while traceloop records another),
/// recorded by traceloop, and under <c>strace -f</c>. Each invocation starts the workload in its own cgroup2 directory
/// and waits for it; the ratios to <see cref="Untraced"/> are the slowdowns.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 7)]
[MemoryDiagnoser]
public class TraceloopOverheadBenchmarks
{
    private const string SysbenchDirectory = "/var/tmp/gadget-bench-sysbench";
    private const string SysbenchFiles = "--file-num=1 --file-total-size=256M";

    private TraceloopTracer? _tracer;
    private SyscallFloor? _floor;
    private string _workloadCgroup = string.Empty;
    private string _otherCgroup = string.Empty;

    /// <summary>
    /// The workloads: 500,000 <c>getppid</c> calls (nothing but syscalls), 100,000 one-byte reads and writes, a walk that
    /// reads 763 real files (6.6 MB), and <c>sysbench fileio</c> sequential 16 KB reads of a cached 256 MB file
    /// (100,000 reads, 1 thread; needs <c>apt-get install sysbench</c>).
    /// </summary>
    [Params("getppid", "small-reads", "read-usr-files", "sysbench-seqrd")]
    public string Workload { get; set; } = "small-reads";

    private string Command => Workload switch
    {
        "getppid" => $"{Path.Combine(AppContext.BaseDirectory, "getppid-loop")} 500000",
        "small-reads" => "dd if=/dev/zero of=/dev/null bs=1 count=50000 2>/dev/null",
        "sysbench-seqrd" => $"cd {SysbenchDirectory} && sysbench fileio {SysbenchFiles} --file-test-mode=seqrd --time=0 --events=100000 run >/dev/null",
        _ => "find /usr/include/linux -type f -exec cat {} + >/dev/null",
    };

    [GlobalSetup(Targets = [nameof(Untraced), nameof(Strace)])]
    public void SetupWithoutTracer() => _workloadCgroup = PrepareWorkload();

    [GlobalSetup(Target = nameof(Floor))]
    public void SetupFloor()
    {
        _workloadCgroup = PrepareWorkload();
        _floor = SyscallFloor.Attach();
    }

    [GlobalSetup(Target = nameof(TraceloopOtherContainer))]
    public void SetupTracerRecordingAnotherCgroup()
    {
        _workloadCgroup = PrepareWorkload();
        _otherCgroup = CreateCgroup("gadget-bench-other");
        _tracer = TraceloopTracer.Start(new TraceloopOptions { PagesPerCpu = 64 });
        _tracer.AddCgroup(CgroupId.FromPath(_otherCgroup));
    }

    [GlobalSetup(Target = nameof(Traceloop))]
    public void SetupTracerRecordingTheWorkload()
    {
        _workloadCgroup = PrepareWorkload();
        _tracer = TraceloopTracer.Start(new TraceloopOptions { PagesPerCpu = 64 });
        _tracer.AddCgroup(CgroupId.FromPath(_workloadCgroup));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tracer?.Dispose();
        _tracer = null;
        _floor?.Dispose();
        _floor = null;
        foreach (var cgroup in new[] { _workloadCgroup, _otherCgroup })
        {
            if (cgroup.Length > 0 && Directory.Exists(cgroup))
            {
                Directory.Delete(cgroup);
            }
        }
    }

    /// <summary>No tracer attached at all.</summary>
    [Benchmark(Baseline = true)]
    public int Untraced() => Run(strace: false);

    /// <summary>Empty programs on raw_syscalls sys_enter and sys_exit: what any tracer on those hooks costs before its work.</summary>
    [Benchmark]
    public int Floor() => Run(strace: false);

    /// <summary>Traceloop attached and recording another cgroup: the cost for a process in a container that is not traced.</summary>
    [Benchmark]
    public int TraceloopOtherContainer() => Run(strace: false);

    /// <summary>The workload's cgroup recorded by traceloop (every syscall, with its captured memory, into its ring).</summary>
    [Benchmark]
    public int Traceloop() => Run(strace: false);

    /// <summary><c>strace -f</c> following the workload, output discarded.</summary>
    [Benchmark]
    public int Strace() => Run(strace: true);

    private int Run(bool strace)
    {
        var script = $"echo $$ > {_workloadCgroup}/cgroup.procs && exec sh -c '{Command}'";
        var start = strace
            ? new ProcessStartInfo("strace", ["-f", "-qq", "-o", "/dev/null", "/bin/sh", "-c", script])
            : new ProcessStartInfo("/bin/sh", ["-c", script]);
        start.UseShellExecute = false;
        using var process = Process.Start(start)!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"workload '{Command}' exited with {process.ExitCode}");
        }
        return process.ExitCode;
    }

    private string PrepareWorkload()
    {
        if (Workload == "sysbench-seqrd")
        {
            PrepareSysbenchFiles();
        }
        return CreateCgroup("gadget-bench-workload");
    }

    private static void PrepareSysbenchFiles()
    {
        if (File.Exists(Path.Combine(SysbenchDirectory, "test_file.0")))
        {
            return;
        }
        Directory.CreateDirectory(SysbenchDirectory);
        var prepare = new ProcessStartInfo("/bin/sh", ["-c", $"cd {SysbenchDirectory} && sysbench fileio {SysbenchFiles} prepare >/dev/null"])
        {
            UseShellExecute = false,
        };
        using var process = Process.Start(prepare)!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("sysbench fileio prepare failed (is sysbench installed? apt-get install sysbench)");
        }
    }

    private static string CreateCgroup(string name)
    {
        var path = Path.Combine(CgroupId.Cgroup2Root, name);
        Directory.CreateDirectory(path);
        return path;
    }
}
