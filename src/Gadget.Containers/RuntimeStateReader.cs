using System.Text.Json;
using Gadget.Linux;

namespace Gadget.Containers;

/// <summary>Reads container state from the runtimes' state directories: runc's (and runc-based: containerd, Docker) <c>state.json</c>, crun's <c>status</c>.</summary>
internal sealed class RuntimeStateReader
{
    /// <summary>The largest state or config file read (a config.json with a seccomp profile is tens of KiB).</summary>
    private const int MaxFileLength = 16 << 20;

    private readonly IReadOnlyList<StateRoot> _roots;

    internal RuntimeStateReader(IEnumerable<string>? extraRuncRoots = null)
    {
        var roots = new List<StateRoot>
        {
            new("/run/runc", ContainerRuntime.Runc, Nested: false, Crun: false),
            new("/run/crun", ContainerRuntime.Crun, Nested: false, Crun: true),
            new("/run/containerd/runc", ContainerRuntime.Containerd, Nested: true, Crun: false),
            new("/run/docker/runtime-runc", ContainerRuntime.Docker, Nested: true, Crun: false),
        };
        foreach (var root in extraRuncRoots ?? [])
        {
            roots.Insert(0, new StateRoot(root, ContainerRuntime.Runc, Nested: false, Crun: false));
        }
        _roots = roots;
    }

    /// <summary>Whether a state directory that exists belongs to another user (root's <c>/run/runc</c> for a process that is
    /// not root): its containers' processes are then other users' too.</summary>
    internal bool HasOtherUsersRoots()
    {
        var self = Libc.geteuid();
        foreach (var root in _roots)
        {
            if (Libc.Statx(root.Path, 0, Libc.STATX_BASIC_STATS, out var status) == 0 && status.Uid != self)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The state directories that exist but this process may not list (root's, mode 0700, without CAP_DAC_READ_SEARCH).</summary>
    internal IReadOnlyList<string> UnreadableRoots()
    {
        var unreadable = new List<string>();
        foreach (var root in _roots)
        {
            try
            {
                if (Directory.Exists(root.Path))
                {
                    _ = Directory.EnumerateDirectories(root.Path).Any();
                }
            }
            catch (UnauthorizedAccessException)
            {
                unreadable.Add(root.Path);
            }
            catch (IOException)
            {
            }
        }
        return unreadable;
    }

    internal IEnumerable<RuntimeState> ScanAll()
    {
        foreach (var root in _roots)
        {
            foreach (var directory in ContainerDirectories(root))
            {
                var state = Read(root, directory);
                if (state is not null)
                {
                    yield return state;
                }
            }
        }
    }

    /// <summary>The state of container <paramref name="id"/> in any root, or null.</summary>
    internal RuntimeState? FindById(string id)
    {
        if (id.Length == 0 || id.Contains('/', StringComparison.Ordinal) || id is "." or "..")
        {
            return null;
        }
        foreach (var root in _roots)
        {
            if (!root.Nested)
            {
                var state = Read(root, Path.Combine(root.Path, id));
                if (state is not null)
                {
                    return state;
                }
                continue;
            }
            foreach (var ns in SafeDirectories(root.Path))
            {
                var state = Read(root, Path.Combine(ns, id));
                if (state is not null)
                {
                    return state;
                }
            }
        }
        return null;
    }

    /// <summary>Parses the OCI state an OCI hook gets on stdin: <c>{"ociVersion","id","status","pid","bundle","annotations"}</c>.</summary>
    internal static RuntimeState? ParseOciState(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (!root.TryGetProperty("id", out var id) || id.GetString() is not { Length: > 0 } idText)
        {
            return null;
        }
        var pid = root.TryGetProperty("pid", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt32() : 0;
        var bundle = root.TryGetProperty("bundle", out var b) ? b.GetString() : null;
        var annotations = root.TryGetProperty("annotations", out var a) ? StringMap(a) : new Dictionary<string, string>();
        return new RuntimeState(ContainerRuntime.Runc, idText, pid, bundle, new Dictionary<string, string>(), new Dictionary<string, string>(), annotations);
    }

    private static IEnumerable<string> ContainerDirectories(StateRoot root) =>
        root.Nested ? SafeDirectories(root.Path).SelectMany(SafeDirectories) : SafeDirectories(root.Path);

    private static string[] SafeDirectories(string path)
    {
        try
        {
            return Directory.Exists(path) ? Directory.GetDirectories(path) : [];
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static RuntimeState? Read(StateRoot root, string directory)
    {
        try
        {
            return root.Crun ? ReadCrun(directory) : ReadRunc(root.Runtime, directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            // Gone, half-written or not ours (another tool's, a property missing): the next event or scan will tell.
            return null;
        }
    }

    private static RuntimeState? ReadRunc(ContainerRuntime runtime, string directory)
    {
        if (ReadRegularFile(Path.Combine(directory, "state.json")) is not { } bytes)
        {
            return null;
        }
        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        if (root.GetProperty("id").GetString() is not { Length: > 0 } id)
        {
            return null;
        }
        var pid = root.GetProperty("init_process_pid").GetInt32();
        var cgroupPaths = root.TryGetProperty("cgroup_paths", out var cp) ? StringMap(cp) : new Dictionary<string, string>();
        var labels = new Dictionary<string, string>();
        string? bundle = null;
        if (root.TryGetProperty("config", out var config) && config.TryGetProperty("labels", out var labelArray) && labelArray.ValueKind == JsonValueKind.Array)
        {
            foreach (var label in labelArray.EnumerateArray())
            {
                var text = label.GetString() ?? string.Empty;
                var equals = text.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    continue;
                }
                var (key, value) = (text[..equals], text[(equals + 1)..]);
                if (key == "bundle")
                {
                    bundle = value;
                }
                else
                {
                    labels[key] = value;
                }
            }
        }
        return new RuntimeState(runtime, id, pid, bundle, cgroupPaths, labels);
    }

    private static RuntimeState? ReadCrun(string directory)
    {
        if (ReadRegularFile(Path.Combine(directory, "status")) is not { } bytes)
        {
            return null;
        }
        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        var pid = root.GetProperty("pid").GetInt32();
        var bundle = root.TryGetProperty("bundle", out var b) ? b.GetString() : null;
        var cgroups = new Dictionary<string, string>();
        if (root.TryGetProperty("cgroup-path", out var cg) && cg.GetString() is { Length: > 0 } cgroupPath)
        {
            cgroups[string.Empty] = ProcessInspector.AbsoluteCgroup2Path(cgroupPath);
        }
        return new RuntimeState(ContainerRuntime.Crun, Path.GetFileName(directory), pid, bundle, cgroups, new Dictionary<string, string>());
    }

    internal static Dictionary<string, string> StringMap(JsonElement element)
    {
        var result = new Dictionary<string, string>();
        if (element.ValueKind != JsonValueKind.Object)
        {
            return result;
        }
        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.String)
            {
                result[property.Name] = property.Value.GetString()!;
            }
        }
        return result;
    }

    /// <summary>The annotations in a bundle's <c>config.json</c>, or an empty map.</summary>
    internal static Dictionary<string, string> ReadBundleAnnotations(string? bundle)
    {
        if (bundle is null)
        {
            return [];
        }
        try
        {
            if (ReadRegularFile(Path.Combine(bundle, "config.json")) is not { } bytes)
            {
                return [];
            }
            using var document = JsonDocument.Parse(bytes);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("annotations", out var annotations) ? StringMap(annotations) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return [];
        }
    }

    /// <summary>
    /// The bytes of <paramref name="file"/>, or null when it is missing, not a regular file (a FIFO would block open(2)
    /// until someone writes to it) or longer than <see cref="MaxFileLength"/>.
    /// </summary>
    private static byte[]? ReadRegularFile(string file)
    {
        if (Libc.Statx(file, 0, Libc.STATX_BASIC_STATS, out var status) != 0 || (status.Mode & Libc.S_IFMT) != Libc.S_IFREG)
        {
            return null;
        }
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        if (stream.Length > MaxFileLength)
        {
            return null;
        }
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private sealed record StateRoot(string Path, ContainerRuntime Runtime, bool Nested, bool Crun);
}
