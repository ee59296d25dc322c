using System;

namespace Gadget.Bpf.Generators.Model;

/// <summary>An object the generator cannot read, and why.</summary>
internal sealed class BpfObjectException : Exception
{
    public BpfObjectException(BpfObjectProblem problem, string message)
        : base(message) => Problem = problem;

    public BpfObjectProblem Problem { get; }
}
