using System.Diagnostics;
using System.Text.Json.Nodes;
using Gadget.Containers.Tests;

namespace Gadget.Tracers.Tests;

/// <summary>
/// A runc container whose program (marker.c, built here with gcc) opens <c>/marker-ID</c> as its first syscall after execve,
/// then waits in pause() until it is killed.
/// </summary>
internal static class MarkerContainer
{
    /// <summary>The marker program inside the container (for <c>runc exec</c>).</summary>
    internal const string InContainer = "/opt/marker/marker";

    private static readonly Lazy<string> Directory = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The marker program on the host.</summary>
    internal static string Program => Path.Combine(Directory.Value, "marker");

    /// <summary>The path the container's first syscall opens.</summary>
    internal static string MarkerPath(string id) => "/marker-" + id;

    /// <summary>Starts it (<c>runc create</c> + <c>runc start</c>); <paramref name="then"/>: what the program does after the
    /// marker (<c>["segv"]</c>, <c>["exit", "139"]</c>; nothing: wait for a signal).</summary>
    internal static RuncContainer Start(string id, params string[] then) => RuncContainer.Create(id, [InContainer, MarkerPath(id), .. then], configure: config =>
    {
        var mounts = config["mounts"]!.AsArray();
        mounts.Add(new JsonObject
        {
            ["destination"] = "/opt/marker",
            ["type"] = "bind",
            ["source"] = Directory.Value,
            ["options"] = new JsonArray("bind", "ro"),
        });
    });

    private static string Build()
    {
        Assert.True(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64, "marker.c is x86-64 assembly: these tests run on x86-64 (arm64: issue 11)");
        var directory = Path.Combine(Path.GetTempPath(), "gadget-marker-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        Gadget.Traceloop.Tests.Gcc.Compile(Path.Combine(AppContext.BaseDirectory, "marker.c"), Path.Combine(directory, "marker"), "-nostdlib", "-static", "-O2");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return directory;
    }
}
