using System.Numerics;
using Microsoft.Extensions.Options;

namespace Gadget.Traceloop.Hosting;

/// <summary>Checks <see cref="TraceloopHostingOptions"/> when the host starts (ValidateOnStart), naming the configuration key.</summary>
internal sealed class TraceloopHostingOptionsValidator : IValidateOptions<TraceloopHostingOptions>
{
    private const string Path = "Gadget:Traceloop";

    public ValidateOptionsResult Validate(string? name, TraceloopHostingOptions options)
    {
        var errors = new List<string>();
        var tracer = options.Tracer;
        if (tracer.PagesPerCpu <= 0 || !BitOperations.IsPow2(tracer.PagesPerCpu))
        {
            errors.Add($"{Path}:Tracer:PagesPerCpu is {tracer.PagesPerCpu}: a power of two (64 keeps roughly 1,000 to 3,000 syscalls per CPU).");
        }
        if (tracer.MaxContainers <= 0)
        {
            errors.Add($"{Path}:Tracer:MaxContainers is {tracer.MaxContainers}: 1 or more.");
        }
        if (tracer.SpareRings < 0)
        {
            errors.Add($"{Path}:Tracer:SpareRings is {tracer.SpareRings}: 0 or more.");
        }
        if (tracer.UnkeptRingTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{Path}:Tracer:UnkeptRingTimeout is {tracer.UnkeptRingTimeout}: positive.");
        }
        if (tracer.BufferCaptureBytes is < 0 or > 256)
        {
            errors.Add($"{Path}:Tracer:BufferCaptureBytes is {tracer.BufferCaptureBytes}: 0 to 256.");
        }
        if (options.RetainedExitedContainers < 0)
        {
            errors.Add($"{Path}:RetainedExitedContainers is {options.RetainedExitedContainers}: 0 or more.");
        }
        if (options.LoggedSyscalls < 0)
        {
            errors.Add($"{Path}:LoggedSyscalls is {options.LoggedSyscalls}: 0 or more.");
        }
        if (options.Selector is null)
        {
            errors.Add($"{Path}:Selector is null: give a selector (an empty one selects every container).");
        }
        else if (options.Selector.ContainerIndex is < 0)
        {
            errors.Add($"{Path}:Selector:ContainerIndex is {options.Selector.ContainerIndex}: 0 or more.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
