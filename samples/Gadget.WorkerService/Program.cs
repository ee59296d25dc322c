// A worker service that records the containers its configuration selects (Gadget:Traceloop:Selector, by name, labels,
// pod or namespace), logs the last syscalls of each one that crashes through ILogger, and writes the host's health report
// (kernel BTF, libbpf, privileges, programs attached) to Gadget:HealthFile for an exec probe. Run as root:
//   dotnet run --project samples/Gadget.WorkerService -- --Gadget:Traceloop:Selector:Labels:app=web
using Gadget.Hosting;
using Gadget.Traceloop.Hosting;
using Gadget.WorkerService;

var builder = Host.CreateApplicationBuilder(args);
var gadget = builder.Configuration.GetSection(GadgetHostingOptions.SectionName);
builder.Services.AddGadget(gadget).AddTraceloop();
builder.Services.Configure<HealthFileOptions>(gadget.GetSection("Health"));
builder.Services.AddHostedService<HealthFileWriter>();
using var host = builder.Build();
await host.RunAsync();
