using Gadget.Bpf;
using Gadget.Containers.Interop;
using Microsoft.Extensions.Logging;

namespace Gadget.Containers;

/// <summary>
/// The exec hold (<see cref="ContainerCollectionOptions.HoldNewContainers"/>): the kernel stops a process that execs in a
/// new, not yet resolved cgroup (SIGSTOP from bpf/containers.bpf.c, before the new program's first instruction) and
/// reports it; this source, on the kernel event thread, resolves the process to its container (waiting for its runtime's
/// state up to the state wait timeout, else by its cgroup), adds it to the registry (so the selections' maps are ready and
/// every handler ran) and continues the process (SIGCONT). Nothing else depends on it: without it, the
/// <see cref="KernelEventSource"/> reports the same execs without stopping anything.
/// </summary>
internal sealed class ExecHoldSource
{
    private readonly ContainerRegistry _registry;
    private readonly RuntimeStateScanner _scanner;
    private readonly BpfMap<ulong, byte> _pendingCgroups;
    private readonly TimeSpan _stateWaitTimeout;
    private readonly ILogger _logger;

    internal ExecHoldSource(ContainerRegistry registry, RuntimeStateScanner scanner, BpfMap<ulong, byte> pendingCgroups, TimeSpan stateWaitTimeout, ILogger logger)
    {
        _registry = registry;
        _scanner = scanner;
        _pendingCgroups = pendingCgroups;
        _stateWaitTimeout = stateWaitTimeout;
        _logger = logger;
    }

    /// <summary>A process of a new cgroup exec'd in its own mount namespace and was stopped by the kernel: register its container, then let it go.</summary>
    internal void OnExecHeld(in KernelContainerEvent e)
    {
        var pid = (int)e.Pid;
        var cgroupId = e.CgroupId;
        var program = e.PathText;
        _logger.LogTrace("Held at exec: pid {Pid} ({Program}), cgroup {CgroupId}", pid, program, cgroupId);
        if (e.ExitCode != 0)
        {
            _logger.LogWarning("The kernel could not stop pid {Pid} ({Program}) at its exec: bpf_send_signal gave {Errno}", pid, program, Errno.Name(-(int)e.ExitCode));
        }
        var resolved = true;
        try
        {
            if (_registry.GetByCgroupId(cgroupId) is not null)
            {
                return;
            }
            if (KernelEventSource.IsRuntimeReexec(pid))
            {
                // Not the container's process yet: the cgroup stays pending, so the container's own exec is held in turn.
                _logger.LogTrace("Held pid {Pid} ({Program}) execs in its parent's mount namespace: a runtime's re-exec, let go", pid, program);
                resolved = false;
                return;
            }
            var deadline = Environment.TickCount64 + (long)_stateWaitTimeout.TotalMilliseconds;
            Container? container = null;
            while (ProcessInspector.IsAlive(pid))
            {
                container = _scanner.FindForProcess(pid);
                if (container is not null || Environment.TickCount64 > deadline)
                {
                    break;
                }
                Thread.Sleep(5);
            }
            if (container is null)
            {
                _logger.LogDebug("No runtime state for held pid {Pid} ({Program}, cgroup {CgroupId}) after {Timeout}: registering it by its cgroup", pid, program, cgroupId, _stateWaitTimeout);
                container = ContainerFactory.FromCgroup(pid);
            }
            if (container is not null)
            {
                _registry.Add(container, "exec in a new cgroup, held");
            }
        }
        finally
        {
            if (resolved)
            {
                Guard.Run(_logger, () => _pendingCgroups.Delete(cgroupId), "clear a pending cgroup");
            }
            NativeMethods.kill(pid, NativeMethods.SigCont);
        }
    }
}
