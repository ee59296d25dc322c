using System.Diagnostics;

namespace Gadget.Containers.Tests;

/// <summary>State directories holding what runc does not write: another tool's files, damaged JSON, a FIFO in place of a file.</summary>
public sealed class RuntimeStateReaderHostileInputTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("gadget-state-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"init_process_pid":1}""")]
    [InlineData("""{"id":"no-pid"}""")]
    [InlineData("""{"id":null,"init_process_pid":1}""")]
    [InlineData("""{"id":"","init_process_pid":1}""")]
    [InlineData("""[1]""")]
    [InlineData("""{"id":1,"init_process_pid":1}""")]
    [InlineData("""{"id":"x","init_process_pid":99999999999}""")]
    public void AStateRuncDidNotWriteIsSkippedAndTheScanGoesOn(string json)
    {
        WriteState("odd", json);
        var self = WriteState("self", $$"""{"id":"self-{{Guid.NewGuid():N}}","init_process_pid":{{Environment.ProcessId}}}""");

        var states = new RuntimeStateReader([_root]).ScanAll().Where(s => s.Id is not null && s.Id.StartsWith("self-", StringComparison.Ordinal)).ToList();

        Assert.Equal(self, Assert.Single(states).Id);
        Assert.All(new RuntimeStateReader([_root]).ScanAll(), s => Assert.False(string.IsNullOrEmpty(s.Id)));
        using var collection = new ContainerCollection(new ContainerCollectionOptions { UseBpf = false, RescanInterval = Timeout.InfiniteTimeSpan, RuncStateRoots = [_root] });
    }

    [Theory]
    [InlineData("[1]")]
    [InlineData("\"annotations\"")]
    [InlineData("""{"annotations":[1]}""")]
    [InlineData("""{"annotations":{"a":1,"b":"2"}}""")]
    public void ABundleConfigThatIsNotAnObjectGivesNoAnnotations(string json)
    {
        var bundle = Directory.CreateDirectory(Path.Combine(_root, "bundle")).FullName;
        File.WriteAllText(Path.Combine(bundle, "config.json"), json);
        var annotations = RuntimeStateReader.ReadBundleAnnotations(bundle);
        Assert.True(annotations.Count == 0 || annotations.SequenceEqual([new KeyValuePair<string, string>("b", "2")]));
    }

    [Fact]
    public async Task AFifoInPlaceOfStateJsonDoesNotHangTheScan()
    {
        var directory = Directory.CreateDirectory(Path.Combine(_root, "fifo")).FullName;
        var fifo = Path.Combine(directory, "state.json");
        MakeFifo(fifo);
        var scan = Task.Run(() => new RuntimeStateReader([_root]).ScanAll().ToList());
        try
        {
            await scan.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            Release(fifo, scan);
        }
    }

    [Fact]
    public async Task AFifoInPlaceOfTheBundlesConfigJsonDoesNotHang()
    {
        var bundle = Directory.CreateDirectory(Path.Combine(_root, "bundle")).FullName;
        var fifo = Path.Combine(bundle, "config.json");
        MakeFifo(fifo);
        var read = Task.Run(() => RuntimeStateReader.ReadBundleAnnotations(bundle));
        try
        {
            Assert.Empty(await read.WaitAsync(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            Release(fifo, read);
        }
    }

    private string WriteState(string name, string json)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        File.WriteAllText(Path.Combine(directory, "state.json"), json);
        return json.Contains("self-", StringComparison.Ordinal) ? json.Split('"')[3] : name;
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path])!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    /// <summary>Lets a reader blocked in open(2) of the FIFO go (so that a failing test does not leave a thread blocked).</summary>
    private static void Release(string fifo, Task reader)
    {
        if (!reader.IsCompleted)
        {
            using var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write);
        }
    }
}
