namespace Gadget.Containers;

/// <summary>One call of the OCI hook: the hook phase (createRuntime, prestart, poststop, ...), the runtime if the hook was told, and the OCI state.</summary>
internal sealed record OciHookRequest(string Phase, ContainerRuntime? Runtime, RuntimeState State);
