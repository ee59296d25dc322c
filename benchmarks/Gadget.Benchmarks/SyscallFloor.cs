using System.Runtime.InteropServices;
using Gadget.Bpf;

namespace Gadget.Benchmarks;

/// <summary>
/// The floor any syscall tracer pays: bpf/syscall_floor.bpf.c's empty programs attached to the hooks traceloop uses
/// (the raw syscall tracepoints sys_enter and sys_exit, as tp_btf programs). Used by <see cref="TraceloopOverheadBenchmarks"/>' floor arm, and by
/// the <c>syscall-floor</c> mode that benchmarks/traceloop-interleaved.sh starts next to its untraced runs.
/// </summary>
internal sealed class SyscallFloor : IDisposable
{
    private readonly BpfObject _object;
    private readonly IReadOnlyList<BpfLink> _links;

    private SyscallFloor()
    {
        _object = BpfObject.LoadEmbeddedResource(typeof(SyscallFloor).Assembly, "syscall_floor.bpf.o");
        _links = _object.AttachAll();
    }

    /// <summary>Loads and attaches the empty programs.</summary>
    public static SyscallFloor Attach() => new();

    /// <summary>The <c>syscall-floor</c> mode: attaches, prints <c>attached</c>, and holds until SIGTERM or SIGINT.</summary>
    public static int RunUntilStopped()
    {
        using var floor = Attach();
        using var stopped = new ManualResetEventSlim();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stopped.Set(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stopped.Set(); });
        Console.WriteLine("attached");
        Console.Out.Flush();
        stopped.Wait();
        return 0;
    }

    public void Dispose()
    {
        foreach (var link in _links)
        {
            link.Dispose();
        }
        _object.Dispose();
    }
}
