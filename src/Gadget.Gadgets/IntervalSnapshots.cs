using System.Runtime.CompilerServices;

namespace Gadget.Gadgets;

/// <summary>The "top" gadgets' snapshot stream: one <c>Collect()</c> per interval until canceled or the gadget is disposed.</summary>
internal static class IntervalSnapshots
{
    /// <summary>
    /// Yields <paramref name="collect"/>'s result every <paramref name="interval"/>. Ends quietly when
    /// <paramref name="disposed"/> is canceled (the gadget's <c>Dispose</c>); throws <see cref="OperationCanceledException"/>
    /// when <paramref name="cancellationToken"/> is.
    /// </summary>
    public static async IAsyncEnumerable<T> ReadAsync<T>(TimeSpan interval, Func<T> collect, CancellationToken disposed, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, disposed);
        using var timer = new PeriodicTimer(interval);
        while (true)
        {
            try
            {
                if (!await timer.WaitForNextTickAsync(linked.Token).ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (OperationCanceledException) when (disposed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                yield break;
            }
            yield return collect();
        }
    }
}
