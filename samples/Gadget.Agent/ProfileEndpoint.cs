using System.Globalization;
using Gadget.CommandLine;
using Gadget.Gadgets;
using Microsoft.Extensions.Primitives;

namespace Gadget.Agent;

/// <summary>
/// <c>GET /profile/cpu?seconds=S[&amp;frequency=HZ][&amp;selector]</c>: samples the CPUs for S seconds (1-60, default 5)
/// at HZ (1-1000, default 49) and answers the stacks of the selected containers (or of the whole node), most sampled
/// first, as JSON lines (one <c>{"type":"event","gadget":"profile-cpu",...}</c> per stack, as <c>gadgets profile cpu -o
/// json</c> writes them: schemas/gadget-event.schema.json). Counted as one of the caller's streams while it samples.
/// </summary>
internal static class ProfileEndpoint
{
    private static readonly string[] OwnParameters = ["seconds", "frequency"];

    public static async Task RunAsync(HttpContext context, TraceSessions sessions, CallerLimits limits, ILogger<GadgetStreams> logger)
    {
        var query = context.Request.Query;
        var seconds = Number(query, "seconds", 5, 1, 60);
        var frequency = Number(query, "frequency", 49, 1, 1000);
        var selectorQuery = new QueryCollection(query.Where(p => !OwnParameters.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value));
        var selector = selectorQuery.Count == 0 ? null : SelectorRequest.FromQuery(selectorQuery).ToSelector();
        await SnapshotEndpoint.TakeAsync(context, sessions, limits, logger, $"{seconds} s CPU profile", selector, async (options, cancellationToken) =>
        {
            using var profiler = CpuProfiler.Start(options, new CpuProfilerOptions { Frequency = frequency });
            var profile = await profiler.CollectAfterAsync(TimeSpan.FromSeconds(seconds), cancellationToken);
            var time = DateTimeOffset.UtcNow;
            return [.. profile.Stacks.Select(s => EventJson.Line(GadgetSchemas.ProfileCpu, new CpuProfileRow(s, profile.TotalSamples, time)))];
        });
    }

    private static int Number(IQueryCollection query, string name, int fallback, int min, int max)
    {
        if (query[name].FirstOrDefault() is not { } text)
        {
            return fallback;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new BadHttpRequestException($"bad {name} '{text}': a whole number from {min} to {max}", StatusCodes.Status400BadRequest);
    }
}
