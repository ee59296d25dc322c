namespace Gadget.Agent;

/// <summary>The connection feature that marks a connection of the metrics listener (<c>--metrics-listen</c>): it is served
/// <c>GET /metrics</c> and nothing else, and the API's listeners never serve <c>/metrics</c>.</summary>
internal sealed class MetricsConnection
{
    public static readonly MetricsConnection Instance = new();

    private MetricsConnection()
    {
    }
}
