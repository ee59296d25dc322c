using System.CommandLine;
using System.Globalization;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets capable</c>: every capability check (ig's trace capabilities, BCC's capable). Needs kprobes.</summary>
internal static class CapableCommand
{
    private const int MaxCapability = 63;

    public static Command Create() => EventCommand.Create("capable", "Trace every capability check (cap_capable) of the selected containers (or of the host), with its verdict. Needs a kernel with kprobes (CONFIG_KPROBES).", GadgetSchemas.Capable, Capable.Start, command =>
    {
        var cap = new Option<string?>("--cap") { Description = "only checks of this capability: a number (0-63) or a name (CAP_SYS_ADMIN or SYS_ADMIN)" };
        cap.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && Parse(text) < 0)
            {
                result.AddError($"--cap: '{text}' is not a capability (a number 0-{MaxCapability} or a name such as CAP_NET_ADMIN)");
            }
        });
        var denied = new Option<bool>("--denied") { Description = "only checks that denied the capability" };
        var pid = ValueOptions.Integer("--pid", "only checks of this process id (0: every process)", 0, 0, int.MaxValue);
        command.Options.Add(cap);
        command.Options.Add(denied);
        command.Options.Add(pid);
        return result =>
        {
            var onlyCap = result.GetValue(cap) is { } text ? Parse(text) : -1;
            var onlyDenied = result.GetValue(denied);
            var onlyPid = result.GetValue(pid);
            return e => (onlyCap < 0 || e.Capability == onlyCap) && (!onlyDenied || !e.Allowed) && (onlyPid == 0 || e.Pid == onlyPid);
        };
    });

    /// <summary>The capability <paramref name="text"/> names (a number or CAP_NAME or NAME, any case), or -1.</summary>
    private static int Parse(string text)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number <= MaxCapability ? number : -1;
        }
        var name = text.StartsWith("CAP_", StringComparison.OrdinalIgnoreCase) ? text : "CAP_" + text;
        for (var i = 0; i <= MaxCapability; i++)
        {
            if (string.Equals(Capable.CapabilityName(i), name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }
        return -1;
    }
}
