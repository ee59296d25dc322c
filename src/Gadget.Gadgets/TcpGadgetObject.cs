using Gadget.Bpf;
using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>
/// tcptop's and filetop's loaded BPF object (it has no events ring buffer, which GadgetRuntime expects): embedded object opened, filtered by the options' container selection (the
/// selection's cgroup set shared with the object's <c>selected_cgroups</c> map), loaded, its tracepoints attached.
/// </summary>
internal sealed class TcpGadgetObject : IDisposable
{
    private readonly List<BpfLink> _links = [];
    private ContainerSelection? _selection;

    private TcpGadgetObject(BpfObject bpfObject, ContainerSelection? selection)
    {
        Object = bpfObject;
        _selection = selection;
    }

    public BpfObject Object { get; }

    public static TcpGadgetObject Load(string objectName, GadgetOptions options, params (string Program, string Category, string Tracepoint)[] tracepoints) =>
        Load(objectName, options, null, tracepoints);

    /// <summary>As <see cref="Load(string, GadgetOptions, ValueTuple{string, string, string}[])"/>, with <paramref name="configure"/> setting the spec's globals before loading.</summary>
    public static TcpGadgetObject Load(string objectName, GadgetOptions options, Action<BpfObjectSpec>? configure, params (string Program, string Category, string Tracepoint)[] tracepoints)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Selector is not null && options.Containers is null)
        {
            throw new ArgumentException("A container selector needs a ContainerCollection (GadgetOptions.Containers) to select from.", nameof(options));
        }
        BpfEnvironment.EnsureTracefs();
        var selection = options.Selector is null ? null : options.Containers!.Select(options.Selector);
        BpfObject loaded;
        try
        {
            using var spec = BpfObjectSpec.FromEmbeddedResource(typeof(TcpGadgetObject).Assembly, objectName, new BpfObjectOptions { Logger = options.Logger });
            if (selection is not null)
            {
                spec.SetGlobal("filter_by_cgroup", true);
                spec.Map("selected_cgroups").ReuseMap(selection.CgroupIds);
            }
            configure?.Invoke(spec);
            loaded = spec.Load();
        }
        catch
        {
            selection?.Dispose();
            throw;
        }
        var gadget = new TcpGadgetObject(loaded, selection);
        try
        {
            foreach (var (program, category, tracepoint) in tracepoints)
            {
                gadget._links.Add(gadget.Object.Program(program).AttachTracepoint(category, tracepoint));
            }
            return gadget;
        }
        catch
        {
            gadget.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        BpfLink.DisposeAll(_links);
        _links.Clear();
        Object.Dispose();
        _selection?.Dispose();
        _selection = null;
    }
}
