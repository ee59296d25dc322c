namespace Gadget.Hosting;

/// <summary>A gadget added to the host: started by the startup service, reported by the health check.</summary>
internal sealed record GadgetRegistration(string Name, Type ServiceType);
