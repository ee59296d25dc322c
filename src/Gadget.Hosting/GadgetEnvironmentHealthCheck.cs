using System.Globalization;
using Gadget.Bpf;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gadget.Hosting;

/// <summary>
/// <c>gadget-environment</c>: what every Gadget component needs from the machine. Unhealthy when the kernel has no BTF
/// (<see cref="BpfEnvironment.KernelBtfPath"/>), libbpf cannot be loaded, or the process lacks CAP_BPF + CAP_PERFMON (or
/// CAP_SYS_ADMIN); its data carry the libbpf version and file, whether it is the shipped one, and the kernel release.
/// </summary>
public sealed class GadgetEnvironmentHealthCheck : IHealthCheck
{
    private const int CapSysAdmin = 21;
    private const int CapPerfmon = 38;
    private const int CapBpf = 39;

    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var problems = new List<string>();
        data["kernel"] = Environment.OSVersion.Version.ToString();
        data["btf"] = BpfEnvironment.HasKernelBtf;
        if (!BpfEnvironment.HasKernelBtf)
        {
            problems.Add($"the kernel has no BTF ({BpfEnvironment.KernelBtfPath} is missing: a kernel built with CONFIG_DEBUG_INFO_BTF=y is needed)");
        }
        try
        {
            data["libbpf"] = BpfEnvironment.LibbpfVersion.ToString();
            data["libbpfPath"] = BpfEnvironment.LibbpfPath;
            data["libbpfShipped"] = BpfEnvironment.IsLibbpfShipped;
        }
        catch (DllNotFoundException error)
        {
            problems.Add(error.Message);
        }
        var effective = EffectiveCapabilities();
        data["capabilities"] = effective?.ToString("x", CultureInfo.InvariantCulture) ?? "unknown";
        if (effective is { } caps && !Has(caps, CapSysAdmin) && !(Has(caps, CapBpf) && Has(caps, CapPerfmon)))
        {
            problems.Add("the process lacks CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN): run it as root or grant them");
        }
        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy($"BTF present, libbpf {data["libbpf"]}, privileges to load BPF programs.", data)
            : HealthCheckResult.Unhealthy(string.Join("; ", problems) + ".", data: data));
    }

    private static bool Has(ulong capabilities, int capability) => (capabilities & (1UL << capability)) != 0;

    /// <summary>The effective capability set (<c>CapEff</c> of /proc/self/status), or null when it cannot be read.</summary>
    internal static ulong? EffectiveCapabilities()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("CapEff:", StringComparison.Ordinal)
                    && ulong.TryParse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var caps))
                {
                    return caps;
                }
            }
        }
        catch (IOException)
        {
        }
        return null;
    }
}
