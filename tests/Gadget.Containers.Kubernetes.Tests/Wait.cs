namespace Gadget.Containers.Kubernetes.Tests;

/// <summary>Waits for a condition that something else makes true, with a generous bound (not a timing assertion).</summary>
internal static class Wait
{
    internal static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    internal static async Task<bool> UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(20);
        }
        return true;
    }
}
