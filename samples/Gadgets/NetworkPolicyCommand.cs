using Gadget.Gadgets;

namespace Gadgets;

/// <summary>
/// <c>gadgets advise network-policy [selector] [--timeout SECONDS] [--file PATH]</c>: watches the selected containers'
/// TCP connects and accepts until Ctrl-C (or the timeout), then writes one NetworkPolicy per workload as YAML (to stdout,
/// or to the file).
/// </summary>
internal static class NetworkPolicyCommand
{
    public static async Task<int> RunAsync(CommandLine line, GadgetContext context)
    {
        if (line.Positional is not ["network-policy"])
        {
            throw new FormatException("usage: gadgets advise network-policy [selector] [--timeout SECONDS] [--file PATH]");
        }
        var file = line.Option("--file");
        line.ThrowOnUnknown();
        var advisor = new NetworkPolicyAdvisor();
        var gate = new Lock();
        await using var connects = TcpConnect.Start(context.Options);
        await using var accepts = TcpAccept.Start(context.Options);
        Console.Error.WriteLine("Recording TCP connections; Ctrl-C to stop and write the policies.");
        await Task.WhenAll(
            Observe(connects.ReadAsync(context.Stopping), e => { lock (gate) { advisor.Add(e); } }),
            Observe(accepts.ReadAsync(context.Stopping), e => { lock (gate) { advisor.Add(e); } }));
        string yaml;
        lock (gate)
        {
            yaml = advisor.ToYaml();
            Console.Error.WriteLine($"{advisor.Count} connection(s) seen.");
        }
        if (file is null)
        {
            Console.Write(yaml);
        }
        else
        {
            await File.WriteAllTextAsync(file, yaml);
        }
        return 0;
    }

    private static async Task Observe<T>(IAsyncEnumerable<T> events, Action<T> add)
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
