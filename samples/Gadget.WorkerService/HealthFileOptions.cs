namespace Gadget.WorkerService;

/// <summary>Where and how often <see cref="HealthFileWriter"/> writes the health report (<c>Gadget:Health</c>).</summary>
internal sealed class HealthFileOptions
{
    /// <summary>The file the report is written to (replaced atomically); null: the report is only logged when it changes.</summary>
    public string? File { get; set; }

    /// <summary>How often the checks run. Default: 10 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);
}
