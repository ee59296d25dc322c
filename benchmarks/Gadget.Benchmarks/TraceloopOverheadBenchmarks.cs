using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Gadget.Traceloop;

namespace Gadget.Benchmarks;

/// <summary>
/// What tracing costs a syscall-heavy workload: the same command run untraced, in a cgroup that traceloop does not
/// record (while traceloop records another), recorded by traceloop, and under <c>strace -f</c>. Each invocation starts
/// the workload in its own cgroup2 directory and waits for it; the ratios to <see cref="Untraced"/> are the slowdowns.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 7)]
[MemoryDiagnoser]
public class TraceloopOverheadBenchmarks
{
    private TraceloopTracer? _tracer;
    private string _workloadCgroup = string.Empty;
    private string _otherCgroup = string.Empty;

    /// <summary>The workloads: many tiny reads and writes, and a walk that reads 763 real files (6.6 MB).</summary>
    [Params("small-reads", "read-usr-files")]
    public string Workload { get; set; } = "small-reads";

    private string Command => Workload switch
    {
        "small-reads" => "dd if=/dev/zero of=/dev/null bs=1 count=50000 2>/dev/null",
        _ => "find /usr/include/linux -type f -exec cat {} + >/dev/null",
    };

    [GlobalSetup(Targets = [nameof(Untraced), nameof(Strace)])]
    public void SetupWithoutTracer() => _workloadCgroup = CreateCgroup("gadget-bench-workload");

    [GlobalSetup(Target = nameof(TraceloopOtherContainer))]
    public void SetupTracerRecordingAnotherCgroup()
    {
        _workloadCgroup = CreateCgroup("gadget-bench-workload");
        _otherCgroup = CreateCgroup("gadget-bench-other");
        _tracer = TraceloopTracer.Start(new TraceloopOptions { PagesPerCpu = 64 });
        _tracer.AddCgroup(CgroupId.FromPath(_otherCgroup));
    }

    [GlobalSetup(Target = nameof(Traceloop))]
    public void SetupTracerRecordingTheWorkload()
    {
        _workloadCgroup = CreateCgroup("gadget-bench-workload");
        _tracer = TraceloopTracer.Start(new TraceloopOptions { PagesPerCpu = 64 });
        _tracer.AddCgroup(CgroupId.FromPath(_workloadCgroup));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tracer?.Dispose();
        _tracer = null;
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

    private static string CreateCgroup(string name)
    {
        var path = Path.Combine(CgroupId.Cgroup2Root, name);
        Directory.CreateDirectory(path);
        return path;
    }
}
