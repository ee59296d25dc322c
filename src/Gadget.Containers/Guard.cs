using Microsoft.Extensions.Logging;

namespace Gadget.Containers;

/// <summary>Runs a step whose failure must not stop the others (a user's handler, a map update): logs it and goes on.</summary>
internal static class Guard
{
    internal static void Run(ILogger logger, Action action, string what)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Gadget.Containers failed to {What}", what);
        }
    }
}
