using System.IO.Compression;
using Xunit.Abstractions;

namespace Gadget.Packaging.Tests;

/// <summary>
/// The Gadget.Bpf package carries the skeleton generator (analyzers/dotnet/cs) and its build files (buildTransitive): a
/// new app from the feed lists a BPF object as a &lt;BpfObject&gt; and gets its typed skeleton at build time, which loads,
/// attaches and reads a typed event.
/// </summary>
[Collection(PackedFeedCollection.Name)]
public sealed class PackageSkeletonTests(PackedFeed feed, ITestOutputHelper output)
{
    [Fact]
    public void GadgetBpfCarriesTheGeneratorAndItsBuildFiles()
    {
        using var package = ZipFile.OpenRead(Path.Combine(feed.FeedDirectory, $"Gadget.Bpf.{feed.Version}.nupkg"));
        var entries = package.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("analyzers/dotnet/cs/Gadget.Bpf.Generators.dll", entries);
        Assert.Contains("buildTransitive/Gadget.Bpf.props", entries);
        Assert.Contains("buildTransitive/Gadget.Bpf.targets", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Generators", StringComparison.Ordinal));
    }

    [Fact]
    public void AnAppsBpfObjectBecomesATypedSkeletonThatLoadsAndReadsEvents()
    {
        var app = Path.Combine(feed.Root, "skeleton-consumer");
        Directory.CreateDirectory(app);
        feed.WriteNuGetConfig(app);
        File.Copy(Path.Combine(feed.RepositoryRoot, "bpf", "out", "skeleton_sample.bpf.o"), Path.Combine(app, "skeleton_sample.bpf.o"), overwrite: true);
        File.WriteAllText(Path.Combine(app, "SkeletonConsumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Gadget.Bpf" Version="{feed.Version}" />
                <BpfObject Include="skeleton_sample.bpf.o" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System.Runtime.InteropServices;
            using Gadget.Bpf;
            using SkeletonConsumer.Bpf.SkeletonSample;

            using var spec = SkeletonSampleSkeleton.Open();
            spec.TargetTgid = (uint)Environment.ProcessId;
            using var skeleton = spec.Load();
            skeleton.Attach();
            using var reader = new RingBufferReader(skeleton.Events);
            getppid();
            reader.Consume(record =>
            {
                var e = MemoryMarshal.Read<SampleEvent>(record);
                Console.WriteLine($"EVENT {e.Pid} {e.Kind} {e.FirstCall}");
            });
            Console.WriteLine($"SELF {Environment.ProcessId} CALLS {skeleton.Calls}");

            [DllImport("libc")]
            static extern int getppid();
            """);
        var (exit, text) = DotnetCli.Run(app, TimeSpan.FromMinutes(3), "build", "-c", "Release", "-nologo", "-p:NoWarn=CA1416");
        Assert.True(exit == 0, text);
        (exit, text) = DotnetCli.Run(app, TimeSpan.FromMinutes(3), "run", "-c", "Release", "--no-build");
        output.WriteLine(text);
        Assert.True(exit == 0, text);
        var lines = text.Split('\n').Select(line => line.TrimEnd('\r')).ToArray();
        var self = lines.Single(line => line.StartsWith("SELF ", StringComparison.Ordinal)).Split(' ')[1];
        // One getppid() of the app, traced (the .rodata filter set through the skeleton): its event, typed, and the .bss count.
        Assert.Contains($"EVENT {self} SampleGetppid 1", lines);
        Assert.Contains($"SELF {self} CALLS 1", lines);
    }
}
