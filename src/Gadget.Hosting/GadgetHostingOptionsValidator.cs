using Gadget.Gadgets;
using Microsoft.Extensions.Options;

namespace Gadget.Hosting;

/// <summary>Checks <see cref="GadgetHostingOptions"/> and every gadget's <see cref="GadgetSettings"/> when the host starts (ValidateOnStart).</summary>
internal sealed class GadgetHostingOptionsValidator : IValidateOptions<GadgetHostingOptions>, IValidateOptions<GadgetSettings>
{
    public ValidateOptionsResult Validate(string? name, GadgetHostingOptions options)
    {
        var errors = options.Containers.Validate(GadgetHostingOptions.SectionName + ":Containers").ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public ValidateOptionsResult Validate(string? name, GadgetSettings options)
    {
        var errors = options.Validate($"{GadgetHostingOptions.SectionName}:Gadgets:{name}").ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
