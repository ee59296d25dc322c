using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gadget.Bpf.Interop;

/// <summary>
/// Decides which <c>libbpf.so.1</c> every libbpf P/Invoke of this assembly binds to: the libbpf 1.7 that the package
/// ships (<c>runtimes/linux-&lt;arch&gt;/native/libbpf.so.1</c>, libelf and zlib inside) in preference to the system's.
/// <list type="bullet">
/// <item><c>GADGET_LIBBPF=system</c>: the system's libbpf, found by the dynamic loader as usual.</item>
/// <item><c>GADGET_LIBBPF=/path/to/libbpf.so.1</c>: that file.</item>
/// <item>otherwise the shipped one, looked for where the host puts a package's native assets (its native search
/// directories, the application's directory) and under <c>runtimes/</c> beside this assembly (a project reference);
/// the system's when none is there (e.g. on another architecture).</item>
/// </list>
/// The resolver is registered when the assembly is first used (a module initializer), before any P/Invoke can bind.
/// </summary>
internal static unsafe class LibbpfResolver
{
    internal const string EnvironmentVariable = "GADGET_LIBBPF";
    private static readonly Lock ResolveLock = new();
    private static int _registered;
    private static bool _resolved;
    private static nint _handle;

    /// <summary>The full path the resolver loaded, or <c>null</c> when it left the choice to the dynamic loader.</summary>
    internal static string? ResolvedPath { get; private set; }

    /// <summary>Whether <see cref="EnvironmentVariable"/> chose the library.</summary>
    internal static bool FromEnvironment { get; private set; }

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "The resolver must be in place before the first libbpf P/Invoke binds, whichever public API makes it.")]
    internal static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            NativeLibrary.SetDllImportResolver(typeof(LibbpfResolver).Assembly, Resolve);
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == LibBpf.Library ? Load() : 0;

    /// <summary>Loads libbpf once (the shipped one, or what <see cref="EnvironmentVariable"/> says, or the system's): 0 when none loads.</summary>
    internal static nint Load()
    {
        var assembly = typeof(LibbpfResolver).Assembly;
        lock (ResolveLock)
        {
            if (_resolved)
            {
                return _handle;
            }
            _resolved = true;
            var chosen = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (string.Equals(chosen, "system", StringComparison.OrdinalIgnoreCase))
            {
                FromEnvironment = true;
                return _handle = LoadSystem();
            }
            if (!string.IsNullOrEmpty(chosen))
            {
                FromEnvironment = true;
                ResolvedPath = System.IO.Path.GetFullPath(chosen);
                return _handle = NativeLibrary.Load(ResolvedPath);
            }
            foreach (var candidate in Candidates(assembly))
            {
                if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
                {
                    ResolvedPath = candidate;
                    return _handle = handle;
                }
            }
            return _handle = LoadSystem();
        }
    }

    // dlopen("libbpf.so.1"): the dynamic loader's own search (LD_LIBRARY_PATH, ld.so.cache, /lib, /usr/lib).
    private static nint LoadSystem() => NativeLibrary.TryLoad(LibBpf.Library, out var handle) ? handle : 0;

    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty Location (single-file app) is skipped: AppContext.BaseDirectory covers that case.")]
    private static IEnumerable<string> Candidates(Assembly assembly)
    {
        var rid = "linux-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        var directories = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirectories)
        {
            directories.AddRange(searchDirectories.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        }
        directories.Add(AppContext.BaseDirectory);
        if (System.IO.Path.GetDirectoryName(assembly.Location) is { Length: > 0 } assemblyDirectory)
        {
            directories.Add(assemblyDirectory);
        }
        foreach (var directory in directories.Distinct(StringComparer.Ordinal))
        {
            yield return System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, LibBpf.Library));
            yield return System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, "runtimes", rid, "native", LibBpf.Library));
        }
    }

    /// <summary>The file a loaded library comes from, asked of the dynamic loader (<c>dladdr</c> on one of its functions).</summary>
    internal static string? FileOf(nint handle)
    {
        if (handle == 0 || !NativeLibrary.TryGetExport(handle, "libbpf_major_version", out var function))
        {
            return null;
        }
        DlInfo info;
        return Libc.dladdr((void*)function, &info) != 0 && info.FileName != null
            ? Marshal.PtrToStringUTF8((nint)info.FileName)
            : null;
    }
}
