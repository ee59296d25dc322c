using Gadget.CommandLine;

namespace Gadget.Agent;

/// <summary>What the agent does once its command line is good: check the machine, claim the socket, serve until stopped.</summary>
public static class AgentMain
{
    /// <summary>Serves with <paramref name="options"/> until <paramref name="cancellationToken"/> (SIGINT, SIGTERM) is canceled.</summary>
    /// <returns>0 after a clean stop.</returns>
    /// <exception cref="CommandLineException">The agent cannot start (exit 1) or the options cannot be used (exit 2): one line.</exception>
    public static async Task<int> RunAsync(AgentOptions options, CancellationToken cancellationToken)
    {
        if (AgentPreflight.Problem() is { } problem)
        {
            throw new CommandLineException($"cannot start: {problem}", CliHost.Failure);
        }
        WebApplication app;
        try
        {
            app = AgentApp.Build(options);
        }
        catch (AgentUsageException e)
        {
            throw new CommandLineException($"{e.Message} (see 'gadget-agent --help')");
        }
        catch (AgentStartException e)
        {
            throw new CommandLineException(e.Message, CliHost.Failure);
        }
        await using (app.ConfigureAwait(false))
        {
            try
            {
                await ((IHost)app).RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new CommandLineException($"cannot listen: {e.Message}", CliHost.Failure);
            }
        }
        return CliHost.Success;
    }
}
