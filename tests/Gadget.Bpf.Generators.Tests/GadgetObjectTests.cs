using Xunit.Abstractions;

namespace Gadget.Bpf.Generators.Tests;

/// <summary>The generator on Gadget's own committed objects (bpf/out): every one generates, compiles and matches bpftool.</summary>
public class GadgetObjectTests(ITestOutputHelper output)
{
    internal static string RepoRoot
    {
        get
        {
            var directory = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(directory, "Gadget.sln")))
            {
                directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("Gadget.sln not found above " + AppContext.BaseDirectory);
            }
            return directory;
        }
    }

    public static TheoryData<string> Objects()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(Path.Combine(RepoRoot, "bpf", "out"), "*.bpf.o").Order())
        {
            data.Add(Path.GetFileName(path));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Objects))]
    public void Generates_compiles_and_matches_bpftool(string name)
    {
        var path = Path.Combine(RepoRoot, "bpf", "out", name);
        var run = GeneratorRun.Run(path);
        Assert.True(!run.Errors.Any(), string.Join("\n", run.Errors));
        Assert.True(run.CompileErrors.IsEmpty, string.Join("\n", run.CompileErrors) + "\n" + string.Join("\n", run.Sources.Select(s => s.Source)));
        var checkedTypes = LayoutCheck.CompareAll(run, BpftoolBtf.Dump(path));
        // For the log: the generator's own time on this object (read, parse, emit), outside the compiler.
        var bytes = File.ReadAllBytes(path);
        var input = new BpfObjectInput(path, bytes, null, null, null, "Generated.Test", "S", name, string.Empty, false, true);
        SkeletonBuilder.Build(input);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        SkeletonBuilder.Build(input);
        foreach (var warning in run.Diagnostics)
        {
            output.WriteLine($"{name}: {warning.Severity} {warning.Id}: {warning.GetMessage()}");
        }
        output.WriteLine($"{name}: {bytes.Length} bytes, {run.Sources.Count} files, {checkedTypes} structs compared with bpftool, generated in {watch.Elapsed.TotalMilliseconds:F2} ms: {string.Join(", ", run.Sources.Select(s => s.HintName))}");
    }
}
