using System.CommandLine;
using Gadget.CommandLine;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary><c>gadgets trace dns</c>: DNS queries and responses per container (ig's trace dns).</summary>
internal static class DnsCommand
{
    public static Command Create() => EventCommand.Create("dns", "Trace DNS queries and responses (UDP port 53) in the network namespaces of the selected containers (or the host's): a BPF socket filter on a packet socket in each namespace; no process (a packet is not in a process's context).", GadgetSchemas.Dns, DnsSnoop.Start, command =>
    {
        var responses = new Option<bool>("--responses") { Description = "only responses (with their answers and latency), not queries" };
        command.Options.Add(responses);
        return result =>
        {
            var onlyResponses = result.GetValue(responses);
            return e => !onlyResponses || e.Direction == DnsDirection.Response;
        };
    });
}
