using System.CommandLine;
using System.Net;
using Gadget.CommandLine;
using Gadget.Containers;
using Gadget.Gadgets;

namespace Gadgets;

/// <summary>
/// <c>gadgets advise network-policy [selector] [--timeout SECONDS] [--file PATH]</c>: watches the selected containers'
/// TCP connects and accepts until Ctrl-C (or the timeout), then writes one NetworkPolicy per workload as YAML (to stdout,
/// or to the file), and says on stderr (and in a YAML comment) what it left out and why.
/// </summary>
internal static class NetworkPolicyCommand
{
    public static Command Create()
    {
        var advise = new Command("advise", "Advice from what the gadgets saw.");
        var command = new Command("network-policy", "Record the selected containers' TCP connections until Ctrl-C or --timeout, then write one Kubernetes NetworkPolicy per workload (YAML).");
        var selector = new SelectorOptions(command, host: false);
        var timeout = ValueOptions.Timeout("stop recording after this many seconds and write the policies");
        var file = ValueOptions.OutputFile("--file", "write the policies to this file instead of standard output", "PATH");
        command.Options.Add(timeout);
        command.Options.Add(file);
        command.SetAction(async (result, cancellationToken) =>
        {
            using var stopping = CliHost.Stopping(cancellationToken, result.GetValue(timeout));
            // Ctrl-C ends the recording, not the command: the policies are written after it.
            using var recording = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
            var advisor = new NetworkPolicyAdvisor();
            var gate = new Lock();
            var loopback = 0;
            var host = 0;
            await using var containers = new ContainerCollection(new ContainerCollectionOptions { Logger = CliLogger.Instance });
            var options = new GadgetOptions { Containers = containers, Selector = selector.Selector(result) };
            await using var connects = TcpConnect.Start(options);
            await using var accepts = TcpAccept.Start(options);
            CliHost.Ready($"recording TCP connections of containers matching {options.Selector}; Ctrl-C (or --timeout) to stop and write the policies");
            void Count(Container? container, IPAddress remote)
            {
                if (container is null)
                {
                    host++;
                }
                else if (IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote))
                {
                    loopback++;
                }
            }
            await Task.WhenAll(
                ObserveAsync(connects.ReadAsync(recording.Token), e => { lock (gate) { advisor.Add(e); if (e.Succeeded) { Count(e.Container, e.DestinationAddress); } } }),
                ObserveAsync(accepts.ReadAsync(recording.Token), e => { lock (gate) { advisor.Add(e); Count(e.Container, e.RemoteAddress); } }));
            string yaml;
            var leftOut = new List<string>();
            lock (gate)
            {
                if (loopback > 0)
                {
                    leftOut.Add($"{loopback} loopback connection(s): they stay inside a pod's network namespace, where NetworkPolicies do not apply (nothing to allow)");
                }
                if (host > 0)
                {
                    leftOut.Add($"{host} connection(s) of processes outside containers: no pod to write a policy for");
                }
                yaml = advisor.ToYaml();
                Console.Error.WriteLine($"{CliHost.Tool}: {advisor.Count} connection(s) seen.");
            }
            foreach (var line in leftOut)
            {
                Console.Error.WriteLine($"{CliHost.Tool}: left out {line}.");
            }
            var header = string.Concat(leftOut.Select(l => $"# left out: {l}\n"));
            if (yaml.Length == 0)
            {
                Console.Error.WriteLine($"{CliHost.Tool}: no policy: no connection of a selected container was seen.");
            }
            var path = result.GetValue(file);
            if (path is null)
            {
                await Console.Out.WriteAsync(header + yaml);
                await Console.Out.FlushAsync(CancellationToken.None);
            }
            else
            {
                await using (var output = new StreamWriter(OutputFile.Create(path), new System.Text.UTF8Encoding(false)))
                {
                    await output.WriteAsync(header + yaml);
                }
                Console.Error.WriteLine($"{CliHost.Tool}: policies written to {DisplayText.Escape(path)}");
            }
            return CliHost.Success;
        });
        advise.Subcommands.Add(command);
        return advise;
    }

    private static async Task ObserveAsync<T>(IAsyncEnumerable<T> events, Action<T> add)
    {
        try
        {
            await foreach (var e in events.ConfigureAwait(false))
            {
                add(e);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
