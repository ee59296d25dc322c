namespace Gadget.Traceloop.Decoding;

/// <summary>A syscall's name and parameters.</summary>
/// <param name="Name">The syscall's name.</param>
/// <param name="Parameters">Its parameters, in order (at most six).</param>
/// <param name="FromTracefs">Whether the signature was read from the running kernel's tracefs (otherwise from the built-in fallback).</param>
public sealed record SyscallSignature(string Name, IReadOnlyList<SyscallParameter> Parameters, bool FromTracefs)
{
    /// <summary>The index of the parameter called <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name)
    {
        for (int i = 0; i < Parameters.Count; i++)
        {
            if (Parameters[i].Name == name)
            {
                return i;
            }
        }
        return -1;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}({string.Join(", ", Parameters.Select(p => p.Type.EndsWith('*') ? p.Type + p.Name : p.Type + " " + p.Name))})";
}
