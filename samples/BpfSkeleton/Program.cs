// bpfskeleton: a BPF object of your own, used through the skeleton generated from its BTF at build time
// (bpf/skeleton_sample.bpf.c -> bpf/out/skeleton_sample.bpf.o -> BpfSkeleton.Bpf.SkeletonSample.*). It traces this
// process's getppid() calls: a typed event per call through a ring buffer, a count per (pid, kind) in a hash map.
//
//   dotnet run --project samples/BpfSkeleton -- [calls]      (root: CAP_BPF, CAP_PERFMON)
using System.CommandLine;
using System.Runtime.InteropServices;
using BpfSkeleton;
using BpfSkeleton.Bpf.SkeletonSample;
using Gadget.Bpf;
using Gadget.CommandLine;

// Built once SIGINT/SIGTERM are handled (CliHost.RunAsync with a factory): a signal while the command is built stops the
// tool cleanly (exit 0), as one a moment later does, not by the signal's default action (exit 143, silently).
return await CliHost.RunAsync("bpfskeleton", CreateRoot, args);

static RootCommand CreateRoot()
{
    var callsArgument = new Argument<int>("calls")
    {
        Description = "how many getppid() calls to make and trace (1 to 1000)",
        Arity = ArgumentArity.ZeroOrOne,
        DefaultValueFactory = _ => 3,
        CustomParser = r => r.Tokens.Count == 0 ? 3 : int.TryParse(r.Tokens[0].Value, out var n) && n is >= 1 and <= 1000 ? n : Invalid(r),
    };
    var root = new RootCommand("bpfskeleton: traces this process's getppid() calls through a generated, typed BPF skeleton. Needs root (CAP_BPF, CAP_PERFMON).")
    {
        callsArgument,
    };
    root.SetAction(result =>
    {
        using var spec = SkeletonSampleSkeleton.Open();         // the embedded object, opened: globals typed, settable
        spec.TargetTgid = (uint)Environment.ProcessId;           // const volatile u32 target_tgid (.rodata)
        using var skeleton = spec.Load();
        skeleton.Attach();                                       // SEC("tp/syscalls/sys_enter_getppid")
        using var reader = new RingBufferReader(skeleton.Events);
        CliHost.Ready("attached to syscalls:sys_enter_getppid");
        for (var i = 0; i < result.GetValue(callsArgument); i++)
        {
            Libc.GetParentProcessId();
        }
        reader.Consume(record =>
        {
            var e = MemoryMarshal.Read<SampleEvent>(record);     // struct sample_event, laid out from BTF
            var comm = e.Comm[..Math.Max(0, e.Comm.IndexOf((byte)0))];
            Console.WriteLine($"pid {e.Pid} tid {e.Tid} {e.Kind} cpu {e.Cpu} first {e.FirstCall} comm {System.Text.Encoding.UTF8.GetString(comm)}");
        });
        var key = new SampleKey { Pid = (uint)Environment.ProcessId, Kind = SampleKind.SampleGetppid };
        Console.WriteLine($"counts[{key.Pid}, {key.Kind}] = {(skeleton.Counts.TryLookup(key, out var count) ? count : 0)}, calls (.bss) = {skeleton.Calls}");
        return 0;
    });
    return root;
}

static int Invalid(System.CommandLine.Parsing.ArgumentResult result)
{
    result.AddError("calls must be a whole number from 1 to 1000");
    return 0;
}
