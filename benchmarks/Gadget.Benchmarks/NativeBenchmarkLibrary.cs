using System.Runtime.InteropServices;

namespace Gadget.Benchmarks;

/// <summary>The C callbacks built from native/*.c into libgadget_bench_native.so next to this assembly.</summary>
internal static class NativeBenchmarkLibrary
{
    private const string FileName = "libgadget_bench_native.so";

    private static readonly Lazy<nint> Handle = new(Load);

    /// <summary>The address of an exported C function.</summary>
    internal static nint Export(string name) => NativeLibrary.GetExport(Handle.Value, name);

    private static nint Load()
    {
        string[] directories = [AppContext.BaseDirectory, Path.GetDirectoryName(typeof(NativeBenchmarkLibrary).Assembly.Location) ?? "."];
        foreach (var directory in directories)
        {
            var path = Path.Combine(directory, FileName);
            if (File.Exists(path))
            {
                return NativeLibrary.Load(path);
            }
        }
        throw new FileNotFoundException($"{FileName} not found next to the benchmark (built by gcc from native/*.c during the build).", FileName);
    }
}
