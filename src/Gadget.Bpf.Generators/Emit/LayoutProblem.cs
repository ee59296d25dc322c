namespace Gadget.Bpf.Generators.Emit;

/// <summary>A type or member the generator could not express as it is in C, and what it emitted instead.</summary>
internal sealed class LayoutProblem
{
    public LayoutProblem(bool isError, string message)
    {
        IsError = isError;
        Message = message;
    }

    /// <summary>An error (the layout would be wrong), or a warning (expressed differently, e.g. a flexible array member).</summary>
    public bool IsError { get; }

    public string Message { get; }
}
