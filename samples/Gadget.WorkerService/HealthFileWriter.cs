using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Gadget.WorkerService;

/// <summary>
/// Runs the host's health checks (the <c>gadget</c> ones: environment, programs, traceloop) every interval, logs the status
/// when it changes, and writes the report to a file: one line <c>Healthy|Degraded|Unhealthy</c>, then a line per check.
/// A worker has no HTTP endpoint; an exec probe reads the file (<c>grep -q ^Healthy /run/gadget-worker/health</c>).
/// </summary>
internal sealed partial class HealthFileWriter(HealthCheckService health, IOptions<HealthFileOptions> options, ILogger<HealthFileWriter> logger) : BackgroundService
{
    private HealthStatus? _last;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval);
        do
        {
            var report = await health.CheckHealthAsync(stoppingToken);
            if (report.Status != _last)
            {
                _last = report.Status;
                LogStatus(report.Status, string.Join("; ", report.Entries.Select(e => $"{e.Key}: {e.Value.Status} ({e.Value.Description})")));
            }
            if (options.Value.File is { Length: > 0 } file)
            {
                await WriteAsync(file, report, stoppingToken);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private static async Task WriteAsync(string file, HealthReport report, CancellationToken cancellationToken)
    {
        var text = new StringBuilder().Append(report.Status).Append('\n');
        foreach (var (name, entry) in report.Entries)
        {
            text.Append(name).Append(": ").Append(entry.Status).Append(": ").Append(entry.Description).Append('\n');
            foreach (var (key, value) in entry.Data)
            {
                text.Append("  ").Append(key).Append('=').Append(value).Append('\n');
            }
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var temporary = file + ".tmp";
        await File.WriteAllTextAsync(temporary, text.ToString(), cancellationToken);
        File.Move(temporary, file, overwrite: true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Health: {Status}: {Entries}")]
    private partial void LogStatus(HealthStatus status, string entries);
}
