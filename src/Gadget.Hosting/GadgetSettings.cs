using Gadget.Gadgets;

namespace Gadget.Hosting;

/// <summary>What one gadget registered by <see cref="GadgetBuilderExtensions"/> traces (bound from <c>Gadget:Gadgets:&lt;name&gt;</c>).</summary>
public sealed class GadgetSettings
{
    /// <summary>
    /// Which containers the gadget traces, filtered in the kernel. Null (the default): every process on the host, containers
    /// or not; an empty selector (<c>"Selector": {}</c>): every container and no host process.
    /// </summary>
    public ContainerSelectorSettings? Selector { get; set; }

    /// <summary>The gadget's events ring buffer in bytes (<see cref="GadgetOptions.RingBufferSize"/>): 0 for the gadget's default, else a power of two of at least one page.</summary>
    public int RingBufferSize { get; set; }

    /// <summary>tcptop and filetop only: how often a snapshot is taken. Default: 1 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>filetop only: count every kind of file (sockets, pipes, devices), not only regular files. Default: false.</summary>
    public bool AllFiles { get; set; }

    internal IEnumerable<string> Validate(string path)
    {
        if (RingBufferSize != 0 && (RingBufferSize < Environment.SystemPageSize || !int.IsPow2(RingBufferSize)))
        {
            yield return $"{path}:RingBufferSize is {RingBufferSize}: 0 (the gadget's default) or a power of two of at least {Environment.SystemPageSize} bytes.";
        }
        if (Interval <= TimeSpan.Zero)
        {
            yield return $"{path}:Interval is {Interval}: it is positive.";
        }
        foreach (var error in Selector?.Validate(path + ":Selector") ?? [])
        {
            yield return error;
        }
    }
}
