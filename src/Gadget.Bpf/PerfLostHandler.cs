namespace Gadget.Bpf;

/// <summary>Told that the kernel dropped <paramref name="count"/> records on <paramref name="cpu"/> because its perf ring was full.</summary>
/// <param name="cpu">The CPU whose ring was full.</param>
/// <param name="count">How many records were dropped.</param>
public delegate void PerfLostHandler(int cpu, ulong count);
