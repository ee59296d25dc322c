using Gadget.Agent;

if (AgentOptions.IsHelp(args))
{
    Console.Out.Write(AgentOptions.Usage);
    return 0;
}
if (AgentPreflight.Problem() is { } problem)
{
    Console.Error.WriteLine($"gadget-agent: cannot start: {problem}");
    return 1;
}
WebApplication app;
try
{
    app = AgentApp.Build(args);
}
catch (AgentUsageException e)
{
    Console.Error.WriteLine($"gadget-agent: {e.Message} (see 'gadget-agent --help')");
    return 2;
}
catch (AgentStartException e)
{
    Console.Error.WriteLine($"gadget-agent: {e.Message}");
    return 1;
}
await using (app)
{
    try
    {
        await app.RunAsync();
    }
    catch (IOException e)
    {
        Console.Error.WriteLine($"gadget-agent: cannot listen: {e.Message}");
        return 1;
    }
}
return 0;
