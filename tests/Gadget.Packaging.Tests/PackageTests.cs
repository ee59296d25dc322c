using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace Gadget.Packaging.Tests;

/// <summary>What a tool author gets from 'dotnet pack': the packages' contents, and a new console app using them from a feed.
/// (The package READMEs' examples are built and run by <see cref="ReadmeExampleTests"/>.)</summary>
[Collection(PackedFeedCollection.Name)]
public sealed class PackageTests(PackedFeed feed, ITestOutputHelper output)
{
    private const ushort ElfMachineBpf = 247;

    [Fact]
    public void EveryLibraryIsAPackageWithMetadataReadmeDocsSymbolsAndItsBpfObjects()
    {
        Assert.NotEmpty(feed.Projects);
        output.WriteLine($"dotnet pack of {feed.Projects.Count} projects took {feed.PackDuration.TotalSeconds:F0} s");
        var head = GitHead(feed.RepositoryRoot);
        foreach (var project in feed.Projects)
        {
            var id = Path.GetFileNameWithoutExtension(project);
            var nupkg = Path.Combine(feed.FeedDirectory, $"{id}.{feed.Version}.nupkg");
            var snupkg = Path.Combine(feed.FeedDirectory, $"{id}.{feed.Version}.snupkg");
            Assert.True(File.Exists(nupkg), $"{nupkg} missing; pack output:\n{feed.PackOutput}");
            Assert.True(File.Exists(snupkg), $"{snupkg} (symbols) missing");

            using var package = ZipFile.OpenRead(nupkg);
            var nuspec = XDocument.Load(package.GetEntry($"{id}.nuspec")!.Open());
            var ns = nuspec.Root!.Name.Namespace;
            var metadata = nuspec.Root.Element(ns + "metadata")!;
            string Field(string name) => (string?)metadata.Element(ns + name) ?? "";

            Assert.Equal(id, Field("id"));
            Assert.Equal(feed.Version, Field("version"));
            Assert.False(string.IsNullOrWhiteSpace(Field("authors")), $"{id}: no authors");
            Assert.True(Field("description").Length > 40, $"{id}: description too short: '{Field("description")}'");
            Assert.Contains("ebpf", Field("tags").Split(' '));
            // The description says what the package needs from the machine (Linux, BTF, privileges) and claims only what it has.
            Assert.Contains("Linux", Field("description"), StringComparison.Ordinal);
            Assert.Contains("BTF", Field("description"), StringComparison.Ordinal);
            Assert.Contains("CAP_BPF", Field("description"), StringComparison.Ordinal);
            if (id == "Gadget.Gadgets")
            {
                Assert.DoesNotContain("seccomp", Field("description"), StringComparison.OrdinalIgnoreCase);
            }
            AssertIcon(package, Field("icon"), id);
            Assert.StartsWith("https://", Field("projectUrl"));
            var license = metadata.Element(ns + "license")!;
            Assert.Equal("expression", (string?)license.Attribute("type"));
            Assert.Equal("MIT", license.Value);
            var repository = metadata.Element(ns + "repository")!;
            Assert.Equal("git", (string?)repository.Attribute("type"));
            Assert.StartsWith("https://github.com/", (string?)repository.Attribute("url"));
            if (head is not null)
            {
                Assert.Equal(head, (string?)repository.Attribute("commit"));
            }

            // The package README is the project's README.md, with a guide and an example.
            Assert.Equal("README.md", Field("readme"));
            var readme = new StreamReader(package.GetEntry("README.md")!.Open()).ReadToEnd();
            Assert.Equal(File.ReadAllText(Path.Combine(Path.GetDirectoryName(project)!, "README.md")), readme);
            Assert.Contains("```csharp", readme);

            // The assembly, its XML docs, and every BPF object the project embeds, as ELF objects for the BPF machine.
            var dll = ReadEntry(package, $"lib/net10.0/{id}.dll");
            var docs = XDocument.Parse(new StreamReader(package.GetEntry($"lib/net10.0/{id}.xml")!.Open()).ReadToEnd());
            Assert.True(docs.Descendants("member").Count() > 5, $"{id}: the XML docs document almost nothing");
            var resources = ManifestResources(dll);
            var expected = PackedFeed.EmbeddedBpfObjects(project);
            output.WriteLine($"{id}: {package.Entries.Count} files, {dll.Length} byte assembly, BPF objects [{string.Join(", ", resources.Keys)}], repository commit {(string?)repository.Attribute("commit")}");
            foreach (var name in expected)
            {
                Assert.True(resources.TryGetValue(name, out var elf), $"{id}.dll lacks the resource {name}");
                Assert.True(elf.Length > 64 && elf[0] == 0x7f && elf[1] == (byte)'E' && elf[2] == (byte)'L' && elf[3] == (byte)'F', $"{name} is not an ELF object");
                Assert.Equal(ElfMachineBpf, BitConverter.ToUInt16(elf, 18));
            }

            // The assembly says it runs on Linux only: the platform analyzer (CA1416) of a consumer relies on this.
            Assert.Equal(["linux"], SupportedPlatforms(dll));

            // Its public API is declared (PublicApiAnalyzers fails the build on any undeclared change): the baseline exists.
            var declared = File.ReadAllLines(Path.Combine(Path.GetDirectoryName(project)!, "PublicAPI.Unshipped.txt"))
                .Concat(File.ReadAllLines(Path.Combine(Path.GetDirectoryName(project)!, "PublicAPI.Shipped.txt")));
            Assert.Contains(declared, line => line.StartsWith(id + ".", StringComparison.Ordinal));

            // The symbols package carries the portable PDB.
            using var symbols = ZipFile.OpenRead(snupkg);
            var pdb = ReadEntry(symbols, $"lib/net10.0/{id}.pdb");
            Assert.Equal("BSJB"u8.ToArray(), pdb[..4]);
        }
        // The BPF-carrying layers do carry something: the check above is not vacuous.
        Assert.Contains(feed.Projects, project => PackedFeed.EmbeddedBpfObjects(project).Count > 0);
    }

    [Fact]
    public void TheClientIsAToolPackageWithReadmeIconAndDescription()
    {
        var tool = Assert.Single(feed.Tools);
        var id = "Gadget.Client";
        var nupkg = Path.Combine(feed.FeedDirectory, $"{id}.{feed.Version}.nupkg");
        Assert.True(File.Exists(nupkg), $"{nupkg} missing; pack output:\n{feed.PackOutput}");
        using var package = ZipFile.OpenRead(nupkg);
        var nuspec = XDocument.Load(package.GetEntry($"{id}.nuspec")!.Open());
        var ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        string Field(string name) => (string?)metadata.Element(ns + name) ?? "";
        Assert.Contains("DotnetTool", metadata.Element(ns + "packageTypes")?.ToString() ?? "", StringComparison.Ordinal);
        Assert.Contains("agent", Field("description"), StringComparison.Ordinal);
        Assert.Contains("ebpf", Field("tags").Split(' '));
        Assert.Equal("README.md", Field("readme"));
        var readme = new StreamReader(package.GetEntry("README.md")!.Open()).ReadToEnd();
        Assert.Equal(File.ReadAllText(Path.Combine(Path.GetDirectoryName(tool)!, "README.md")), readme);
        Assert.Contains("dotnet tool install --global Gadget.Client", readme, StringComparison.Ordinal);
        AssertIcon(package, Field("icon"), id);
        Assert.Contains(package.Entries, e => e.FullName.EndsWith("/gadget.dll", StringComparison.Ordinal) && e.FullName.StartsWith("tools/net10.0/", StringComparison.Ordinal));
    }

    [Fact]
    public void ANewConsoleAppRecordsARealSyscallThroughThePackages()
    {
        var app = Path.Combine(feed.Root, "consumer");
        var (exit, text) = DotnetCli.Run(feed.Root, TimeSpan.FromMinutes(2), "new", "console", "-o", app, "--framework", "net10.0");
        Assert.True(exit == 0, text);
        feed.WriteNuGetConfig(app);
        (exit, text) = DotnetCli.Run(app, TimeSpan.FromMinutes(3), "add", "package", "Gadget.Traceloop", "--version", feed.Version, "--source", feed.FeedDirectory);
        Assert.True(exit == 0, text);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Gadget.Traceloop;
            using Gadget.Traceloop.Decoding;

            await using var tracer = TraceloopTracer.Start();
            await using var command = TracedCommand.Start(tracer, "cat", ["/etc/hostname"], redirectOutput: true);
            var printed = await command.Process.StandardOutput.ReadToEndAsync();
            var exitCode = await command.WaitForExitAsync();
            Console.WriteLine($"cat exited with {exitCode} and printed {printed.Length} bytes");
            var formatter = new SyscallFormatter();
            foreach (var syscall in command.Dump())
                Console.WriteLine("SYSCALL " + formatter.Format(syscall));
            """);
        // The app is not marked for Linux: the platform analyzer warns at each call into the Linux-only packages.
        (exit, text) = DotnetCli.Run(app, TimeSpan.FromMinutes(3), "build", "-c", "Release", "-nologo");
        Assert.True(exit == 0, text);
        Assert.Contains("warning CA1416", text, StringComparison.Ordinal);
        Assert.Contains("'TraceloopTracer.Start(TraceloopOptions?)' is only supported on: 'linux'", text, StringComparison.Ordinal);
        (exit, text) = DotnetCli.Run(app, TimeSpan.FromMinutes(3), "run", "-c", "Release", "--no-build");
        output.WriteLine(text);
        Assert.True(exit == 0, text);
        var syscalls = text.Split('\n').Where(line => line.StartsWith("SYSCALL ", StringComparison.Ordinal)).ToArray();
        var hostname = File.ReadAllText("/etc/hostname");
        Assert.Contains($"cat exited with 0 and printed {hostname.Length} bytes", text);
        Assert.Contains(syscalls, line => line.Contains("openat(", StringComparison.Ordinal) && line.Contains("\"/etc/hostname\"", StringComparison.Ordinal));
        // The file's content came back through the recorded read() (strace escapes the newline).
        var firstLine = hostname.TrimEnd('\n');
        Assert.Contains(syscalls, line => line.Contains("read(", StringComparison.Ordinal) && line.Contains(firstLine, StringComparison.Ordinal));
    }

    private static void AssertIcon(ZipArchive package, string icon, string id)
    {
        Assert.True(icon == "icon.png", $"{id}: icon is '{icon}'");
        var png = ReadEntry(package, icon);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
    }

    /// <summary>The platforms of the assembly's <c>[SupportedOSPlatform]</c> attributes.</summary>
    private static string[] SupportedPlatforms(byte[] assembly)
    {
        using var pe = new PEReader(new MemoryStream(assembly));
        var reader = pe.GetMetadataReader();
        var platforms = new List<string>();
        foreach (var handle in reader.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = reader.GetCustomAttribute(handle);
            if (attribute.Constructor.Kind != HandleKind.MemberReference)
            {
                continue;
            }
            var type = reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent;
            if (type.Kind == HandleKind.TypeReference && reader.GetString(reader.GetTypeReference((TypeReferenceHandle)type).Name) == "SupportedOSPlatformAttribute")
            {
                // Blob: prolog 0x0001, then the string argument (compressed length + UTF-8).
                var blob = reader.GetBlobReader(attribute.Value);
                blob.ReadUInt16();
                platforms.Add(blob.ReadSerializedString()!);
            }
        }
        return [.. platforms];
    }

    private static byte[] ReadEntry(ZipArchive archive, string path)
    {
        var entry = archive.GetEntry(path);
        Assert.True(entry is not null, $"{path} missing from the package: [{string.Join(", ", archive.Entries.Select(e => e.FullName))}]");
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static Dictionary<string, byte[]> ManifestResources(byte[] assembly)
    {
        using var pe = new PEReader(new MemoryStream(assembly));
        var reader = pe.GetMetadataReader();
        var resources = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var directory = pe.PEHeaders.CorHeader!.ResourcesDirectory;
        var block = pe.GetSectionData(directory.RelativeVirtualAddress).GetContent();
        foreach (var handle in reader.ManifestResources)
        {
            var resource = reader.GetManifestResource(handle);
            if (!resource.Implementation.IsNil)
            {
                continue; // not embedded in this file
            }
            var offset = (int)resource.Offset;
            var length = BitConverter.ToInt32([.. block.Skip(offset).Take(4)]);
            resources[reader.GetString(resource.Name)] = [.. block.Skip(offset + 4).Take(length)];
        }
        return resources;
    }

    private static string? GitHead(string repository)
    {
        try
        {
            var (exit, text) = DotnetCli.RunProcess("git", repository, TimeSpan.FromSeconds(30), "rev-parse", "HEAD");
            return exit == 0 ? text.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git: the commit is not checked
        }
    }
}
