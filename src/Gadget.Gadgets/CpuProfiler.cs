using Gadget.Bpf;
using Gadget.Containers;
using Gadget.Gadgets.Symbols;
using Microsoft.Extensions.Logging;
using ProfileKey = Gadget.Gadgets.Bpf.Profile.ProfileKey;

namespace Gadget.Gadgets;

/// <summary>
/// profile (ig's <c>profile cpu</c>, BCC's profile): samples what the CPUs run, at a fixed frequency on every online
/// CPU (the software CPU clock perf event: no hardware counters needed), for the selected containers (filtered in the
/// kernel) or the host, and counts each (process, thread name, kernel stack, user stack). <see cref="Collect"/> reads
/// the counts and symbolises the stacks: kernel frames from /proc/kallsyms, native user frames from the mapped ELF
/// files' symbols, .NET (or other JIT) frames from the process's perf map (<c>DOTNET_PerfMapEnabled=1</c>).
/// </summary>
/// <remarks>
/// The kernel walks user stacks by frame pointers: code built without them (most distributions' C libraries, -O2 C
/// without -fno-omit-frame-pointer) gives short user stacks, often only the innermost frame. .NET's JIT keeps frame
/// pointers on x64 and arm64. Processes that exited before <see cref="Collect"/> keep their counts but their user
/// frames are <c>[unknown]</c> (their memory maps are gone). The idle tasks are not sampled.
/// </remarks>
/// <example>
/// <code>
/// using var profiler = CpuProfiler.Start(new GadgetOptions(), new CpuProfilerOptions { Frequency = 99 });
/// var profile = await profiler.CollectAfterAsync(TimeSpan.FromSeconds(10));
/// foreach (var line in profile.FoldedLines()) Console.WriteLine(line);
/// </code>
/// </example>
public sealed class CpuProfiler : IDisposable
{
    private const int MaxDepth = 127;
    private const int Efault = 14;

    private readonly BpfObject _object;
    private readonly List<BpfLink> _links;
    private readonly ContainerSelection? _selection;
    private readonly ContainerCollection? _containers;
    private readonly RecentContainers? _recent;
    private readonly CpuProfilerOptions _options;
    private readonly long _started = Environment.TickCount64;
    private int _disposed;

    private CpuProfiler(BpfObject bpf, List<BpfLink> links, ContainerSelection? selection, ContainerCollection? containers, CpuProfilerOptions options)
    {
        _object = bpf;
        _links = links;
        _selection = selection;
        _containers = containers;
        _recent = containers is null ? null : new RecentContainers(containers);
        _options = options;
    }

    /// <summary>Loads the program and opens a sampling perf event on every online CPU: sampling starts now.</summary>
    /// <param name="options">Which containers (null selector: every process on the host) and the collection stacks are resolved with.</param>
    /// <param name="profilerOptions">Frequency, which stacks, one process.</param>
    /// <exception cref="ArgumentException">A selector without a container collection; a frequency outside 1..10000; no stacks asked for; MaxStacks outside 1024..1048576; a pid below 1.</exception>
    /// <exception cref="BpfFeatureNotSupportedException">The kernel has no such perf event (no CPU clock event, no PMU for a hardware one).</exception>
    /// <exception cref="BpfException">Loading or attaching failed.</exception>
    public static CpuProfiler Start(GadgetOptions options, CpuProfilerOptions? profilerOptions = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        profilerOptions ??= new CpuProfilerOptions();
        if (options.Selector is not null && options.Containers is null)
        {
            throw new ArgumentException("A container selector needs GadgetOptions.Containers (the collection that resolves it).", nameof(options));
        }
        if (profilerOptions.Frequency is < 1 or > 10_000)
        {
            throw new ArgumentException("The frequency must be 1 to 10000 samples per second.", nameof(profilerOptions));
        }
        if (!profilerOptions.KernelStacks && !profilerOptions.UserStacks)
        {
            throw new ArgumentException("Take kernel stacks, user stacks or both.", nameof(profilerOptions));
        }
        if (profilerOptions.MaxStacks is < 1024 or > 1 << 20)
        {
            throw new ArgumentException("MaxStacks must be 1024 to 1048576.", nameof(profilerOptions));
        }
        if (profilerOptions.Pid is < 1)
        {
            throw new ArgumentException("The pid must be positive.", nameof(profilerOptions));
        }
        var selection = options.Selector is { } selector ? options.Containers!.Select(selector) : null;
        BpfObject? bpf = null;
        var links = new List<BpfLink>();
        try
        {
            using (var spec = BpfObjectSpec.FromEmbeddedResource(typeof(CpuProfiler).Assembly, "profile.bpf.o", new BpfObjectOptions { Logger = options.Logger }))
            {
                if (selection is not null)
                {
                    spec.SetGlobal("filter_by_cgroup", true);
                    spec.Map("selected_cgroups").ReuseMap(selection.CgroupIds);
                }
                spec.SetGlobal("kernel_stacks", profilerOptions.KernelStacks);
                spec.SetGlobal("user_stacks", profilerOptions.UserStacks);
                spec.SetGlobal("target_pid", (uint)(profilerOptions.Pid ?? 0));
                spec.Map("stacks").MaxEntries = profilerOptions.MaxStacks;
                bpf = spec.Load();
            }
            var program = bpf.Program("profile_sample");
            foreach (var cpu in OnlineCpus.Read())
            {
                links.Add(AttachSampler(program, profilerOptions.Event, cpu, profilerOptions.Frequency));
            }
            options.Logger?.LogDebug("profile.bpf.o: sampling {Count} CPU(s) at {Frequency} Hz, selector {Selector}", links.Count, profilerOptions.Frequency, (object?)options.Selector ?? "host");
            return new CpuProfiler(bpf, links, selection, options.Containers, profilerOptions);
        }
        catch
        {
            foreach (var link in links)
            {
                link.Dispose();
            }
            bpf?.Dispose();
            selection?.Dispose();
            throw;
        }
    }

    private static BpfLink AttachSampler(BpfProgram program, PerfEventKind kind, int cpu, int frequency)
    {
        try
        {
            return program.AttachPerfEvent(kind, cpu, (ulong)frequency);
        }
        catch (BpfException e) when (e is not BpfFeatureNotSupportedException && e.Errno is 2 /* ENOENT */ or 19 /* ENODEV */ or 95 /* EOPNOTSUPP */)
        {
            throw new BpfFeatureNotSupportedException(
                $"perf event {kind}",
                $"The kernel cannot sample {kind} on cpu {cpu} ({e.ErrnoName}): " +
                (kind == PerfEventKind.CpuClock ? "a kernel without software perf events (CONFIG_PERF_EVENTS)." : "no hardware performance counters here (most VMs have none); the CPU clock event works without them."),
                program.Name,
                e.Errno);
        }
    }

    /// <summary>
    /// Samples for <paramref name="duration"/>, or until <paramref name="cancellationToken"/> is canceled (Ctrl-C: the
    /// profile ends early, no exception), then returns <see cref="Collect"/>'s profile.
    /// </summary>
    public async Task<CpuProfile> CollectAfterAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        try
        {
            await Task.Delay(duration, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        return Collect();
    }

    /// <summary>
    /// Reads the counts and stacks sampled since <see cref="Start"/> and symbolises them (sampling goes on; counts are
    /// not reset). Reads /proc/kallsyms, the sampled processes' maps, ELF files and perf maps.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The profiler was disposed.</exception>
    public CpuProfile Collect()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var duration = TimeSpan.FromMilliseconds(Environment.TickCount64 - _started);
        var counts = _object.Map("counts").As<ProfileKey, ulong>();
        var stackMap = _object.Map("stacks");
        var users = new UserSymbolizer();
        KernelSymbols? kernel = null;
        var kernelFrames = new Dictionary<int, string[]>();
        var userFrames = new Dictionary<(int Pid, int Id), string[]>();
        var addresses = new byte[MaxDepth * sizeof(ulong)];
        // Stacks that symbolise to the same frames (different addresses in one function) add up.
        var merged = new Dictionary<(int Pid, string Comm, ulong Cgroup, string Frames), (string[] Kernel, string[] User, long Samples)>();
        foreach (var (key, count) in counts.Entries)
        {
            var pid = (int)key.Pid;
            string[] kernelStack = [];
            if (_options.KernelStacks)
            {
                if (key.KernelStackId >= 0 && !kernelFrames.TryGetValue(key.KernelStackId, out kernelStack!))
                {
                    kernel ??= KernelSymbols.Load();
                    var symbols = kernel;
                    kernelStack = ReadStack(stackMap, key.KernelStackId, addresses, "[missed kernel stack]", a => symbols.Find(a) ?? UserSymbolizer.Unknown);
                    kernelFrames[key.KernelStackId] = kernelStack;
                }
                else if (key.KernelStackId < 0 && key.KernelStackId != -Efault)
                {
                    kernelStack = ["[missed kernel stack]"];
                }
            }
            string[] userStack = [];
            if (_options.UserStacks)
            {
                if (key.UserStackId >= 0 && !userFrames.TryGetValue((pid, key.UserStackId), out userStack!))
                {
                    userStack = ReadStack(stackMap, key.UserStackId, addresses, "[missed user stack]", a => users.Resolve(pid, a));
                    userFrames[(pid, key.UserStackId)] = userStack;
                }
                else if (key.UserStackId < 0 && key.UserStackId != -Efault)
                {
                    userStack = ["[missed user stack]"];
                }
            }
            var comm = RecordText.Decode(key.Comm);
            var identity = (pid, comm, key.CgroupId, string.Join('\n', userStack) + "\0" + string.Join('\n', kernelStack));
            merged[identity] = merged.TryGetValue(identity, out var existing)
                ? existing with { Samples = existing.Samples + (long)count }
                : (kernelStack, userStack, (long)count);
        }
        var stacks = merged
            .Select(m => new CpuProfileStack
            {
                Pid = m.Key.Pid,
                Comm = m.Key.Comm,
                CgroupId = m.Key.Cgroup,
                Container = m.Key.Cgroup == 0 ? null : _containers?.GetByCgroupId(m.Key.Cgroup) ?? _recent?.Get(m.Key.Cgroup),
                Samples = m.Value.Samples,
                KernelFrames = m.Value.Kernel,
                UserFrames = m.Value.User,
            })
            .OrderByDescending(s => s.Samples)
            .ThenBy(s => s.Pid)
            .ToList();
        return new CpuProfile
        {
            Duration = duration,
            Frequency = _options.Frequency,
            Stacks = stacks,
            DroppedSamples = _object.GetGlobal<ulong>("dropped_samples"),
            LostStacks = _object.GetGlobal<ulong>("lost_stacks"),
            KernelAddressesHidden = kernel?.AddressesHidden ?? false,
        };
    }

    /// <summary>The stack's frames, innermost first (each return address looked up one byte back, inside its call).</summary>
    private static string[] ReadStack(BpfMap stacks, int id, byte[] buffer, string missed, Func<ulong, string> name)
    {
        Span<byte> key = stackalloc byte[sizeof(int)];
        BitConverter.TryWriteBytes(key, id);
        if (!stacks.TryLookup(key, buffer))
        {
            return [missed];
        }
        var frames = new List<string>();
        for (var i = 0; i < MaxDepth; i++)
        {
            var address = BitConverter.ToUInt64(buffer, i * sizeof(ulong));
            if (address == 0)
            {
                break;
            }
            frames.Add(name(i == 0 ? address : address - 1));
        }
        return [.. frames];
    }

    /// <summary>Closes the perf events, unloads the program and releases the selection.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        BpfLink.DisposeAll(_links);
        _object.Dispose();
        _recent?.Dispose();
        _selection?.Dispose();
    }
}
