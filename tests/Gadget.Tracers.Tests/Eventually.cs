namespace Gadget.Tracers.Tests;

/// <summary>Polls until something the tracers report is there.</summary>
internal static class Eventually
{
    /// <summary>What <paramref name="probe"/> returns once it is not null (polled every 100 ms), or null after <paramref name="timeout"/>.</summary>
    internal static async Task<T?> ValueAsync<T>(TimeSpan timeout, Func<Task<T?>> probe)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                return null;
            }
            await Task.Delay(100);
        }
    }
}
