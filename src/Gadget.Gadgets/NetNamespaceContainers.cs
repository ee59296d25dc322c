using Gadget.Containers;

namespace Gadget.Gadgets;

/// <summary>The container that owns a network namespace: a packet that reached no socket says only which namespace it was in.</summary>
internal static class NetNamespaceContainers
{
    private static readonly Lazy<ulong> HostNamespace = new(() => Inode("/proc/1/ns/net"));

    /// <summary>
    /// A container whose network namespace is <paramref name="netns"/>, or null: none, the host's (shared by host-network
    /// containers, so it names none of them), or no collection. Containers of one pod share one: the first is given.
    /// </summary>
    public static Container? Find(ContainerCollection? containers, ulong netns)
    {
        if (containers is null || netns == 0 || netns == HostNamespace.Value)
        {
            return null;
        }
        foreach (var container in containers.Containers)
        {
            if (container.NetNamespaceId == netns)
            {
                return container;
            }
        }
        return null;
    }

    /// <summary>The inode number of a namespace file, 0 when it cannot be read.</summary>
    internal static ulong Inode(string path)
    {
        try
        {
            var target = new FileInfo(path).LinkTarget; // "net:[4026531840]"
            var open = target?.IndexOf('[', StringComparison.Ordinal) ?? -1;
            return open >= 0 && ulong.TryParse(target.AsSpan(open + 1, target!.Length - open - 2), out var inode) ? inode : 0;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
