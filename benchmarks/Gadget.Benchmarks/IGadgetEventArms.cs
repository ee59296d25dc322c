namespace Gadget.Benchmarks;

/// <summary>The arms of <see cref="ExitEventBenchmarks"/>, whichever gadget they read (see <see cref="GadgetEventArms{TEvent, TView}"/>).</summary>
internal interface IGadgetEventArms : IDisposable
{
    /// <summary>Reads what the ring holds in place and drops it (before an iteration of the in-place arms).</summary>
    void Drain();

    /// <summary>Takes <paramref name="count"/> event objects from ReadAsync.</summary>
    Task<long> Read(int count);

    /// <summary>Takes <paramref name="count"/> event objects and writes them as columns.</summary>
    Task<long> Columns(int count);

    /// <summary>Takes <paramref name="count"/> event objects and writes them as JSON lines.</summary>
    Task<long> Json(int count);

    /// <summary>Reads every record in the ring in place (a struct handler reading the pid).</summary>
    long View();

    /// <summary>Writes every record in the ring as columns, in place.</summary>
    long ViewColumns();

    /// <summary>Writes every record in the ring as JSON lines, in place.</summary>
    long ViewJson();
}
