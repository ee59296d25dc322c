using Gadget.Gadgets;

namespace Gadget.CommandLine;

/// <summary>One stack of a <c>profile cpu</c> result, with the profile's total samples and the time it was collected.</summary>
/// <param name="Stack">The stack and its samples.</param>
/// <param name="TotalSamples">The samples of every stack of the profile (for the percentage).</param>
/// <param name="Time">When the profile was collected.</param>
public sealed record CpuProfileRow(CpuProfileStack Stack, long TotalSamples, DateTimeOffset Time)
{
    /// <summary>The innermost frame: where the CPU was (the kernel's when the sample hit kernel mode).</summary>
    public string Function => Stack.KernelFrames.Count > 0 ? Stack.KernelFrames[0] : Stack.UserFrames.Count > 0 ? Stack.UserFrames[0] : "[unknown]";

    /// <summary>This stack's share of the samples, in percent (two decimals).</summary>
    public double Percent => TotalSamples == 0 ? 0 : Math.Round(100.0 * Stack.Samples / TotalSamples, 2);
}
