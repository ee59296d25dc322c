using Gadget.Client;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
return await GadgetCli.RunAsync(args, Console.Out, Console.Error, stop.Token);
