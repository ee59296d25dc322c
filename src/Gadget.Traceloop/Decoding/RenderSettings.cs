namespace Gadget.Traceloop.Decoding;

/// <summary>What a formatter renders with: its options, and the constants of its catalog's architecture.</summary>
internal sealed class RenderSettings(SyscallFormatterOptions options, SyscallArchitecture architecture)
{
    /// <summary>The formatter's options.</summary>
    public SyscallFormatterOptions Options { get; } = options;

    /// <summary>The architecture (clone's argument order, struct layouts, flag values).</summary>
    public SyscallArchitecture Architecture { get; } = architecture;

    /// <summary>The architecture's constants.</summary>
    public Constants Constants { get; } = Constants.For(architecture);
}
