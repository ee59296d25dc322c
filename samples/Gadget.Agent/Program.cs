using Gadget.Agent;

var app = AgentApp.Build(args);
await app.RunAsync();
