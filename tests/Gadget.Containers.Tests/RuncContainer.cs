using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gadget.Containers.Tests;

/// <summary>
/// A real runc container for tests: a bundle in a temp directory (a shared read-only busybox rootfs, a <c>runc spec</c>
/// config.json with the given command, annotations and hooks), <c>runc create</c> + <c>runc start</c> (or <c>runc run -d</c>),
/// and <c>runc delete -f</c> plus removal of the bundle on dispose.
/// </summary>
public sealed class RuncContainer : IDisposable
{
    private static readonly Lazy<string> SharedRootfs = new(CreateRootfs);
    private bool _disposed;

    private RuncContainer(string id, string bundle)
    {
        Id = id;
        Bundle = bundle;
    }

    /// <summary>The container id (also its cgroup name: /sys/fs/cgroup/unified/&lt;id&gt;).</summary>
    public string Id { get; }

    /// <summary>The bundle directory (config.json, out.log with the container's and runc's output).</summary>
    public string Bundle { get; }

    /// <summary>The host pid of the container's init process (from <c>runc state</c>); 0 once it is gone.</summary>
    public int Pid => State()?.GetProperty("pid").GetInt32() ?? 0;

    /// <summary>runc's status: created, running, stopped; null if runc does not know the container.</summary>
    public string? Status => State()?.GetProperty("status").GetString();

    /// <summary>A unique container id with a readable prefix.</summary>
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];

    /// <summary>Creates the bundle and the container (<c>runc create</c>): its init process waits for <see cref="Start"/>.</summary>
    /// <param name="id">Container id.</param>
    /// <param name="command">The process to run, e.g. <c>["sh", "-c", "exit 3"]</c> (busybox applets).</param>
    /// <param name="annotations">OCI annotations for config.json.</param>
    /// <param name="hooks">OCI hooks by phase (createRuntime, prestart, poststop, ...): each an executable path and its argv.</param>
    /// <param name="start">Also start it (<c>runc start</c>).</param>
    public static RuncContainer Create(
        string id,
        string[] command,
        IReadOnlyDictionary<string, string>? annotations = null,
        IReadOnlyDictionary<string, (string Path, string[] Args)[]>? hooks = null,
        bool start = true,
        Action<JsonObject>? configure = null)
    {
        var bundle = Path.Combine(Path.GetTempPath(), "gadget-runc-" + id);
        Directory.CreateDirectory(bundle);
        var container = new RuncContainer(id, bundle);
        try
        {
            container.WriteConfig(command, annotations, hooks, configure);
            container.Runc($"create --bundle {bundle} {id}");
            if (start)
            {
                container.Start();
            }
            return container;
        }
        catch
        {
            container.Dispose();
            throw;
        }
    }

    /// <summary>Creates the bundle and runs the container with <c>runc run -d</c>: create and start in one runc process, so the
    /// command runs right after runc has written its state (no window between <c>create</c> and <c>start</c>).</summary>
    public static RuncContainer Run(string id, string[] command, IReadOnlyDictionary<string, string>? annotations = null)
    {
        var bundle = Path.Combine(Path.GetTempPath(), "gadget-runc-" + id);
        Directory.CreateDirectory(bundle);
        var container = new RuncContainer(id, bundle);
        try
        {
            container.WriteConfig(command, annotations, null, null);
            container.Runc($"run -d --bundle {bundle} {id}");
            return container;
        }
        catch
        {
            container.Dispose();
            throw;
        }
    }

    /// <summary>Creates the bundle and runs the container in the foreground (<c>runc run</c> without <c>-d</c>), the way a
    /// container shim does: runc stays the parent of the container's process and exits with its exit code (128 + n when signal
    /// n ended it), which the returned task gives. The caller stops the container (<see cref="Kill"/>) and disposes it.</summary>
    public static (RuncContainer Container, Task<int> Exited) RunForeground(string id, string[] command, Action<JsonObject>? configure = null)
    {
        var bundle = Path.Combine(Path.GetTempPath(), "gadget-runc-" + id);
        Directory.CreateDirectory(bundle);
        var container = new RuncContainer(id, bundle);
        try
        {
            container.WriteConfig(command, null, null, configure);
            var info = new ProcessStartInfo("/bin/sh", $"-c \"exec setsid -w runc run --bundle {bundle} {id} </dev/null >>{bundle}/out.log 2>&1\"") { UseShellExecute = false };
            var runc = Process.Start(info)!;
            return (container, WaitAsync(runc));
        }
        catch
        {
            container.Dispose();
            throw;
        }

        static async Task<int> WaitAsync(Process runc)
        {
            using (runc)
            {
                await runc.WaitForExitAsync().ConfigureAwait(false);
                return runc.ExitCode;
            }
        }
    }

    /// <summary><c>runc start</c>: the init process execs the command.</summary>
    public void Start() => Runc($"start {Id}");

    /// <summary><c>runc exec</c>: runs <paramref name="command"/> (words without spaces) in the running container, in its
    /// namespaces and cgroup, to its end; returns runc's exit code (the command's).</summary>
    public int Exec(params string[] command)
    {
        var (code, _) = Execute("/bin/sh", $"-c \"exec setsid runc exec {Id} {string.Join(' ', command)} </dev/null >>{Bundle}/out.log 2>&1\"");
        return code;
    }

    /// <summary>Sends a signal to the container's init process (<c>runc kill</c>).</summary>
    public void Kill(string signal = "KILL") => Runc($"kill {Id} {signal}");

    /// <summary>Waits until runc reports the container stopped.</summary>
    public bool WaitStopped(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Status is null or "stopped")
            {
                return true;
            }
            Thread.Sleep(20);
        }
        return false;
    }

    /// <summary>What the container (and runc) wrote to stdout/stderr.</summary>
    public string Output => File.Exists(Path.Combine(Bundle, "out.log")) ? File.ReadAllText(Path.Combine(Bundle, "out.log")) : string.Empty;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            Runc($"delete -f {Id}", throwOnError: false);
        }
        finally
        {
            try
            {
                Directory.Delete(Bundle, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private JsonElement? State()
    {
        var (code, output) = Execute("runc", $"state {Id}");
        if (code != 0)
        {
            return null;
        }
        using var document = JsonDocument.Parse(output);
        return document.RootElement.Clone();
    }

    private void Runc(string arguments, bool throwOnError = true)
    {
        // stdio goes to a file: pipes would be inherited by the container and keep us waiting for it.
        var (code, _) = Execute("/bin/sh", $"-c \"exec setsid runc {arguments} </dev/null >>{Bundle}/out.log 2>&1\"");
        if (code != 0 && throwOnError)
        {
            throw new InvalidOperationException($"runc {arguments} failed ({code}): {Output}");
        }
    }

    private static (int Code, string Output) Execute(string file, string arguments)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {arguments} did not finish in 30 s");
        }
        return (process.ExitCode, output.Result + error.Result);
    }

    private void WriteConfig(string[] command, IReadOnlyDictionary<string, string>? annotations, IReadOnlyDictionary<string, (string Path, string[] Args)[]>? hooks, Action<JsonObject>? configure)
    {
        var (code, output) = Execute("runc", "spec --bundle " + Bundle);
        if (code != 0)
        {
            throw new InvalidOperationException("runc spec failed: " + output);
        }
        var configPath = Path.Combine(Bundle, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["root"] = new JsonObject { ["path"] = SharedRootfs.Value, ["readonly"] = true };
        var process = config["process"]!.AsObject();
        process["terminal"] = false;
        process["args"] = new JsonArray([.. command.Select(c => (JsonNode)c)]);
        config["hostname"] = Id.Length > 60 ? Id[..60] : Id;
        if (annotations is not null)
        {
            var node = new JsonObject();
            foreach (var (key, value) in annotations)
            {
                node[key] = value;
            }
            config["annotations"] = node;
        }
        if (hooks is not null)
        {
            var node = new JsonObject();
            foreach (var (phase, list) in hooks)
            {
                node[phase] = new JsonArray([.. list.Select(h => (JsonNode)new JsonObject
                {
                    ["path"] = h.Path,
                    ["args"] = new JsonArray([.. h.Args.Select(a => (JsonNode)a)]),
                    ["timeout"] = 30,
                })]);
            }
            config["hooks"] = node;
        }
        configure?.Invoke(config);
        File.WriteAllText(configPath, config.ToJsonString());
    }

    private static string CreateRootfs()
    {
        var rootfs = Path.Combine(Path.GetTempPath(), $"gadget-busybox-rootfs-{Environment.ProcessId}");
        var bin = Path.Combine(rootfs, "bin");
        Directory.CreateDirectory(bin);
        foreach (var directory in (string[])["proc", "dev", "sys", "tmp", "etc"])
        {
            Directory.CreateDirectory(Path.Combine(rootfs, directory));
        }
        var busybox = File.Exists("/bin/busybox") ? "/bin/busybox" : "/usr/bin/busybox";
        File.Copy(busybox, Path.Combine(bin, "busybox"), overwrite: true);
        foreach (var applet in (string[])["sh", "sleep", "cat", "true", "ls", "echo", "kill"])
        {
            var link = Path.Combine(bin, applet);
            if (!File.Exists(link))
            {
                File.CreateSymbolicLink(link, "busybox");
            }
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(rootfs, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return rootfs;
    }
}
