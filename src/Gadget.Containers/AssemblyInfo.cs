// Gadget.Containers: containers as the kernel sees them (cgroups, namespaces) and as runtimes name them.
