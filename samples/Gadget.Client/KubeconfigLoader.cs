using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gadget.Client;

/// <summary>
/// Reads the user's kubeconfig with KubernetesClient (the repository's Kubernetes dependency, as Gadget.Containers.Kubernetes
/// uses it): clusters (server, certificate-authority(-data), insecure-skip-tls-verify), users (token, client
/// certificate and key, exec plugins), contexts and current-context; <c>token-file</c>, which KubernetesClient does not
/// read, is read here. Every problem is one <see cref="ClusterException"/> line naming the file and what is wrong.
/// </summary>
internal static class KubeconfigLoader
{
    /// <summary>The files to read: <paramref name="path"/>, or <c>$KUBECONFIG</c>'s list, or <c>~/.kube/config</c>.</summary>
    public static string[] Paths(string? path)
    {
        if (path is not null)
        {
            return [path];
        }
        if (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } variable)
        {
            return variable.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        return [Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config")];
    }

    /// <summary>The client configuration of <paramref name="context"/> (or the current context) in <paramref name="paths"/>.</summary>
    /// <exception cref="ClusterException">A file is missing or malformed, the context is unknown, or its cluster or user is incomplete.</exception>
    public static KubernetesClientConfiguration Load(string[] paths, string? context)
    {
        var named = string.Join(':', paths);
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                throw Usage($"kubeconfig {path} does not exist (give --kubeconfig FILE, or set $KUBECONFIG)");
            }
        }
        K8SConfiguration merged;
        try
        {
            var files = new List<K8SConfiguration>();
            foreach (var path in paths)
            {
                // An empty file, or one that is not a mapping, would fail inside KubernetesClient without saying why.
                if (Root(path) is null)
                {
                    throw Usage($"kubeconfig {path} is not a kubeconfig: no YAML mapping (apiVersion, clusters, users, contexts, current-context)");
                }
                files.Add(KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(path)));
            }
            merged = Merge(files);
        }
        catch (Exception e) when (e is YamlException or KubeConfigException or IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            throw Usage($"kubeconfig {named}: cannot read it: {OneLine(Innermost(e).Message)}", e);
        }
        var contextName = context ?? merged.CurrentContext;
        if (string.IsNullOrEmpty(contextName))
        {
            throw Usage($"kubeconfig {named}: no current-context; give --context NAME (contexts: {Names(merged.Contexts?.Select(c => c.Name))})");
        }
        var found = merged.Contexts?.FirstOrDefault(c => c.Name == contextName);
        if (found is null)
        {
            throw Usage($"kubeconfig {named}: no context '{contextName}' (contexts: {Names(merged.Contexts?.Select(c => c.Name))})");
        }
        if (merged.Clusters?.FirstOrDefault(c => c.Name == found.ContextDetails?.Cluster) is not { ClusterEndpoint.Server: { Length: > 0 } })
        {
            throw Usage($"kubeconfig {named}: context '{contextName}' names cluster '{found.ContextDetails?.Cluster}', which is not there or has no server");
        }
        if (merged.Users?.FirstOrDefault(u => u.Name == found.ContextDetails?.User) is { } user && string.IsNullOrEmpty(user.UserCredentials?.Token)
            && TokenFile(paths, user.Name) is { } tokenFile)
        {
            try
            {
                user.UserCredentials ??= new UserCredentials();
                user.UserCredentials.Token = File.ReadLines(tokenFile).FirstOrDefault()?.Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Usage($"kubeconfig {named}, user '{user.Name}': token-file {tokenFile}: {OneLine(e.Message)}", e);
            }
        }
        KubernetesClientConfiguration configuration;
        try
        {
            configuration = KubernetesClientConfiguration.BuildConfigFromConfigObject(merged, contextName);
        }
        catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or FormatException or ArgumentException or InvalidOperationException)
        {
            throw Usage($"kubeconfig {named}, context '{contextName}': {OneLine(Innermost(e).Message)}", e);
        }
        return configuration;
    }

    /// <summary>Several files as kubectl merges them: the first file that names a context, cluster or user wins, and the first current-context.</summary>
    private static K8SConfiguration Merge(List<K8SConfiguration> files)
    {
        if (files.Count == 1)
        {
            return files[0];
        }
        static List<T> Union<T>(IEnumerable<IEnumerable<T>?> lists, Func<T, string?> name) =>
            [.. lists.SelectMany(l => l ?? []).GroupBy(name).Select(g => g.First())];
        var merged = files[0];
        merged.CurrentContext = files.Select(f => f.CurrentContext).FirstOrDefault(c => !string.IsNullOrEmpty(c));
        merged.Contexts = Union(files.Select(f => f.Contexts), c => c.Name);
        merged.Clusters = Union(files.Select(f => f.Clusters), c => c.Name);
        merged.Users = Union(files.Select(f => f.Users), u => u.Name);
        return merged;
    }

    /// <summary>The <c>token-file</c> of user <paramref name="user"/> in the first file that has the user (relative to that file).</summary>
    private static string? TokenFile(string[] paths, string? user)
    {
        if (user is null)
        {
            return null;
        }
        foreach (var path in paths)
        {
            if (Root(path) is not { } root || Child(root, "users") is not YamlSequenceNode users)
            {
                continue;
            }
            foreach (var entry in users.Children.OfType<YamlMappingNode>())
            {
                if (Child(entry, "name") is YamlScalarNode { Value: var name } && name == user)
                {
                    return Child(entry, "user") is YamlMappingNode details && Child(details, "token-file") is YamlScalarNode { Value: { Length: > 0 } file }
                        ? Path.GetFullPath(file, Path.GetDirectoryName(Path.GetFullPath(path))!)
                        : null;
                }
            }
        }
        return null;
    }

    /// <summary>The file's first YAML document when it is a mapping; null otherwise (empty, comments only, a scalar, a list).</summary>
    private static YamlMappingNode? Root(string path)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            yaml.Load(reader);
        }
        return yaml.Documents.Count > 0 ? yaml.Documents[0].RootNode as YamlMappingNode : null;
    }

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string Names(IEnumerable<string?>? names) =>
        names?.Where(n => !string.IsNullOrEmpty(n)).ToArray() is { Length: > 0 } list ? string.Join(", ", list) : "none";

    private static Exception Innermost(Exception e) => e.InnerException is { } inner && e is KubeConfigException or YamlException ? Innermost(inner) : e;

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    private static ClusterException Usage(string message, Exception? inner = null) =>
        inner is null ? new ClusterException(message) { IsUsage = true } : new ClusterException(message, inner) { IsUsage = true };
}
